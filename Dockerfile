# walktalk service image: CPU only, models and spaCy pipeline installed at build time,
# runs as a non-root user, migrates the database and serves on port 8000.

# --- build stage: a virtual environment with everything installed ------------------
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# torch first and pinned, from the CPU wheel index: the default wheel brings CUDA.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md LICENSE ./
COPY nlp ./nlp
COPY models ./models
COPY training ./training
COPY api ./api
COPY cli ./cli
COPY data ./data
RUN pip install .
# nlp/resources.py finds the shipped data beside the installed packages: put it there,
# so that every default path (gazetteers, given names, corpora) resolves in the image.
RUN cp -r data "$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/data"

# --- runtime stage -------------------------------------------------------------------
FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    WALKTALK_HOME=/var/lib/walktalk \
    WALKTALK_HOST=0.0.0.0 \
    WALKTALK_PORT=8000 \
    WALKTALK_WORKERS=2 \
    WALKTALK_MODEL_THREADS=1 \
    WALKTALK_TAXONOMY_PATH=/app/data/taxonomy.yaml \
    WALKTALK_AREAS_PATH=/app/data/gazetteer/areas.yaml \
    WALKTALK_SEED_PATH=/app/data/seed \
    WALKTALK_BROAD_PATH=/app/data/broad \
    WALKTALK_OOD_PATH=/app/data/ood \
    WALKTALK_CHALLENGE_PATH=/app/data/challenge \
    WALKTALK_BEHAVIOUR_PATH=/app/data/behaviour/suite.yaml \
    WALKTALK_SAFEGUARDING_PATH=/app/data/safeguarding
RUN groupadd --system --gid 10001 walktalk \
    && useradd --system --uid 10001 --gid walktalk --home-dir /var/lib/walktalk --create-home walktalk
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=10001:10001 data ./data
USER 10001
EXPOSE 8000
# The start period covers a first start that fine-tunes the default model (about 10 minutes).
HEALTHCHECK --interval=30s --timeout=5s --start-period=900s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]
# `walktalk serve` applies migrations, trains the default model on a first start
# (if no registry is mounted; keep WALKTALK_HOME on a volume so this happens once)
# and prints a first admin key once.
CMD ["walktalk", "serve"]
