# Axitech.Gateway container image.
#   docker build -t axitech-gateway .
#   docker run -p 8080:8080 -p 127.0.0.1:9464:9464 -v "$PWD/gateway-config:/app/config:ro" \
#     -e Webhooks__Policies__claims__Secrets__0="$AXITECH_SECRET" axitech-gateway
# (docs/deployment.md: gateway-config/appsettings.json holds the routes; the image holds no Development settings.)
# Configuration is read from /app/config (appsettings.json, appsettings.{Environment}.json) and the environment
# (the standard __ mapping); secrets belong in the environment or a mounted secret, not in the image.
# .ci/dockerfile-check.sh runs this file's restore, publish, environment, entrypoint and healthcheck without Docker.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src

# Restore first, from the project files and lock files alone, so that the layer is reused until a dependency changes.
# --locked-mode fails when a packages.lock.json does not match the central package versions.
COPY global.json Directory.Build.props Directory.Packages.props BannedSymbols.txt .editorconfig ./
COPY src/Packaging.props src/
COPY src/Axitech.Webhooks/Axitech.Webhooks.csproj src/Axitech.Webhooks/packages.lock.json src/Axitech.Webhooks/
COPY src/Axitech.Webhooks.AspNetCore/Axitech.Webhooks.AspNetCore.csproj src/Axitech.Webhooks.AspNetCore/packages.lock.json src/Axitech.Webhooks.AspNetCore/
COPY src/Axitech.Gateway/Axitech.Gateway.csproj src/Axitech.Gateway/packages.lock.json src/Axitech.Gateway/
RUN dotnet restore src/Axitech.Gateway/Axitech.Gateway.csproj --locked-mode

COPY src/ src/
COPY config/ config/
RUN dotnet publish src/Axitech.Gateway -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./

# The folder the gateway reads appsettings*.json from: the published defaults, or a volume mounted over it.
ENV AXGW_CONFIG_DIR=/app/config
ENV ASPNETCORE_ENVIRONMENT=Production
# The base image binds port 8080 through ASPNETCORE_HTTP_PORTS; the gateway's two endpoints come from
# Kestrel:Endpoints (Public 8080, Management 9464) instead.
ENV ASPNETCORE_HTTP_PORTS=

# Public: webhook traffic. Management: /healthz, /readyz, /metrics (keep it off the internet).
EXPOSE 8080 9464

# Queued routes keep their deliveries in /app/data/queue.db (Webhooks:Queue:Path, relative to WORKDIR): a volume, so
# that accepted deliveries outlive the container. Owned by the non-root user below.
RUN mkdir -p /app/data && chown app:app /app/data
VOLUME /app/data

# The non-root user of the .NET images (uid 1654).
USER app

# No curl in the image: the gateway's own healthcheck command GETs the Management /healthz.
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 CMD ["dotnet", "Axitech.Gateway.dll", "healthcheck"]

ENTRYPOINT ["dotnet", "Axitech.Gateway.dll"]
