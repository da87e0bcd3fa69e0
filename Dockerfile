# chatcart in a container. `docker compose up` (compose.yaml) runs it with PostgreSQL, Redis and a worker;
# alone it serves an SQLite database kept in the /var/lib/chatcart volume (README, "Docker").
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY catalog ./catalog
COPY channels ./channels
COPY flows ./flows
COPY orders ./orders
COPY templates ./templates
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    CHATCART_LOG_FORMAT=json
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl \
    && rm -rf /wheels \
    && useradd --system --uid 10001 --home-dir /var/lib/chatcart --create-home chatcart
USER chatcart
# The working directory holds the defaults: chatcart.db, and chatcart.toml when you mount one there.
WORKDIR /var/lib/chatcart
VOLUME ["/var/lib/chatcart"]
EXPOSE 8000
ENTRYPOINT ["chatcart"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
