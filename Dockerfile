# The portal image: web (gunicorn), worker, beat and the simulator all run from it.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY portal ./portal
COPY tenants ./tenants
COPY provisioning ./provisioning
COPY billing ./billing
COPY lucidsim ./lucidsim
COPY templates ./templates
COPY static ./static
COPY manage.py ./
RUN pip install --no-cache-dir . \
    && DJANGO_DEBUG=false DJANGO_SECRET_KEY=build-only python manage.py collectstatic --no-input
USER nobody
EXPOSE 8000
CMD ["gunicorn", "portal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
