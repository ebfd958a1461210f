"""Company registry (Disnakertrans WLKP + OSS): the API client with its snapshot fallback and
incremental watermark (``ucj.registry.client``), and a local implementation of the API for
the demo and the tests (``ucj.registry.server``)."""
