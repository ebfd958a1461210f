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

# dbt in an interpreter of its own (README "dbt"): it does not resolve beside Airflow 3.3
# (pathspec). The loader runs this executable (ucj.warehouse.dbt, UCJ_DBT_EXECUTABLE).
COPY --chown=airflow:root requirements-dbt.txt /opt/airflow/requirements-dbt.txt
RUN python -m venv /opt/airflow/dbt-venv \
    && /opt/airflow/dbt-venv/bin/pip install --no-cache-dir -r /opt/airflow/requirements-dbt.txt \
    && /opt/airflow/dbt-venv/bin/pip check
ENV UCJ_DBT_EXECUTABLE=/opt/airflow/dbt-venv/bin/dbt

# The project's package (include/ucj) and its SQL (include/sql). docker-compose.yml also
# mounts ./include over this copy, so code changes need no rebuild in development; the copy
# makes the image usable on its own.
COPY --chown=airflow:root include/ /opt/airflow/include/
ENV PYTHONPATH=/opt/airflow/include
