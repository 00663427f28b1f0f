FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY inbox ./inbox
COPY templates ./templates
COPY rules ./rules
COPY static ./static
RUN pip install --no-cache-dir .
ENV INBOX_TEMPLATES_DIR=/app/templates INBOX_RULES_DIR=/app/rules INBOX_STATIC_DIR=/app/static
RUN useradd --system inbox
USER inbox
EXPOSE 8000
CMD ["inbox", "serve", "--host", "0.0.0.0", "--port", "8000"]
