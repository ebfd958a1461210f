# Image for every Airflow service of docker-compose.yml.
# The tag must match the apache-airflow pin in requirements.txt (tests/test_docker_compose.py).
FROM apache/airflow:3.3.2-python3.11

# Pinned dependencies, installed as the image's `airflow` user (the official image refuses
# root pip installs). apache-airflow is repeated with the image's own version, as the image
# documentation recommends, so that pip can never replace Airflow itself.
# requirements.txt is the runtime set only: the test tools are pyproject.toml's dev extra,
# which the image never installs. `pip check`: the installed set is consistent.
COPY --chown=airflow:root requirements.txt /opt/airflow/requirements.txt
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" \
        -r /opt/airflow/requirements.txt \
    && pip check

# The project's package (include/ucj) and its SQL (include/sql). docker-compose.yml also
# mounts ./include over this copy, so code changes need no rebuild in development; the copy
# makes the image usable on its own.
COPY --chown=airflow:root include/ /opt/airflow/include/
ENV PYTHONPATH=/opt/airflow/include
