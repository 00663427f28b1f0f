# The image installs the built wheel, as CI's wheel check does (.ci/wheel-check):
# templates, static files, migrations and the example rules ship inside it.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY inbox ./inbox
RUN pip wheel --no-cache-dir --no-deps -w /dist .

FROM python:3.11-slim
COPY --from=build /dist /dist
RUN pip install --no-cache-dir /dist/*.whl && rm -rf /dist
RUN useradd --system --create-home inbox
USER inbox
WORKDIR /home/inbox
EXPOSE 8000
CMD ["inbox", "serve", "--host", "0.0.0.0", "--port", "8000"]
