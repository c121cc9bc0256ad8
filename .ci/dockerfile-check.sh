#!/usr/bin/env bash
# Checks the Dockerfile without a Docker engine, so that it cannot silently rot: reads the build stage's restore and
# publish commands, the runtime stage's WORKDIR, ENV, USER, HEALTHCHECK and ENTRYPOINT from the Dockerfile itself (no
# value is repeated here), runs the restore and publish into a temporary folder that stands for the image's WORKDIR,
# checks that it holds no Development settings and no demo secret,
# starts the published output with the entrypoint and the Dockerfile's environment (ports moved to free loopback
# ports, one minimal route, policy and cluster given through the environment as a deployment would), waits for
# /healthz to answer 200, runs the HEALTHCHECK command and expects exit 0, stops the gateway, and expects the same
# HEALTHCHECK command to fail once nothing listens.
# Usage: bash .ci/dockerfile-check.sh [path/to/Dockerfile]. Prints PASS or FAIL last; exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
dockerfile=${1:-Dockerfile}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

work=$(mktemp -d)
gateway_pid=
cleanup() {
  if [ -n "$gateway_pid" ] && kill -0 "$gateway_pid" 2>/dev/null; then
    kill -KILL "$gateway_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "dockerfile-check: $*" >&2
  if [ -s "$work/gateway.log" ]; then
    echo "--- gateway output ---" >&2
    tail -n 40 "$work/gateway.log" >&2
  fi
  echo "dockerfile-check: FAIL"
  exit 1
}

[ -f "$dockerfile" ] || fail "no $dockerfile"

# --- Parse -----------------------------------------------------------------------------------------------------------
# Instructions of one stage, one a line, with continuation lines joined and comments dropped.
instructions() {
  sed -e '/^[[:space:]]*#/d' "$dockerfile" | sed -e ':a' -e '/\\$/N; s/\\\n[[:space:]]*/ /; ta' | sed -e '/^[[:space:]]*$/d'
}
stage_count=$(instructions | grep -ciE '^FROM[[:space:]]' || true)
[ "$stage_count" -ge 2 ] || fail "expected a multi-stage Dockerfile (a build stage and a runtime stage), found $stage_count FROM"
# The first stage builds; the last one is the image.
build_stage() { instructions | awk 'toupper($1)=="FROM"{n++} n==1'; }
runtime_stage() { instructions | awk -v last="$stage_count" 'toupper($1)=="FROM"{n++} n==last'; }
# The values of an exec-form JSON array, one a line (["dotnet", "x.dll"] -> dotnet, x.dll).
exec_form() { grep -oE '"([^"\\]|\\.)*"' <<<"$1" | sed -e 's/^"//' -e 's/"$//'; }

restore_command=$(build_stage | grep -E '^RUN[[:space:]]+dotnet restore' | sed -E 's/^RUN[[:space:]]+//' | head -n 1)
publish_command=$(build_stage | grep -E '^RUN[[:space:]]+dotnet publish' | sed -E 's/^RUN[[:space:]]+//' | head -n 1)
[ -n "$restore_command" ] || fail "no 'RUN dotnet restore' in the build stage"
[ -n "$publish_command" ] || fail "no 'RUN dotnet publish' in the build stage"
[[ "$restore_command" == *--locked-mode* ]] || fail "the restore does not use --locked-mode: $restore_command"
publish_output=$(sed -nE 's/.*(-o|--output)[[:space:]]+([^[:space:]]+).*/\2/p' <<<"$publish_command")
[ -n "$publish_output" ] || fail "the publish command names no output folder (-o): $publish_command"

workdir=$(runtime_stage | grep -E '^WORKDIR[[:space:]]' | tail -n 1 | awk '{print $2}')
[ -n "$workdir" ] || fail "the runtime stage has no WORKDIR"
runtime_stage | grep -qE "^COPY[[:space:]]+--from=[^[:space:]]+[[:space:]]+$publish_output/?[[:space:]]" \
  || fail "the runtime stage does not copy the publish output $publish_output"
user=$(runtime_stage | grep -E '^USER[[:space:]]' | tail -n 1 | awk '{print $2}')
case "$user" in
  "" | root | 0 | 0:*) fail "the image runs as root: the runtime stage needs USER <non-root>" ;;
esac

entrypoint_line=$(runtime_stage | grep -E '^ENTRYPOINT[[:space:]]' | tail -n 1)
healthcheck_line=$(runtime_stage | grep -E '^HEALTHCHECK[[:space:]]' | tail -n 1)
[[ "$entrypoint_line" == *'['* ]] || fail "ENTRYPOINT must use the exec form [\"...\"]: $entrypoint_line"
[[ "$healthcheck_line" == *' CMD ['* ]] || fail "HEALTHCHECK must be 'HEALTHCHECK [options] CMD [\"...\"]': $healthcheck_line"
mapfile -t entrypoint < <(exec_form "${entrypoint_line#ENTRYPOINT}")
mapfile -t healthcheck < <(exec_form "${healthcheck_line#* CMD }")

# ENV KEY=VALUE [KEY=VALUE ...] (no quoting) and the legacy ENV KEY VALUE. Paths under the image's WORKDIR are mapped to
# the folder that stands for it here.
declare -a image_env=()
while read -r line; do
  rest=${line#ENV}
  rest=${rest#"${rest%%[![:space:]]*}"}
  if [[ "$rest" == *=* ]]; then
    for pair in $rest; do image_env+=("$pair"); done
  else
    image_env+=("${rest%% *}=${rest#* }")
  fi
done < <(runtime_stage | grep -E '^ENV[[:space:]]')
mapped_env=()
for pair in "${image_env[@]}"; do
  value=${pair#*=}
  case "$value" in
    "$workdir" | "$workdir"/*) value="$work/app${value#"$workdir"}" ;;
  esac
  mapped_env+=("${pair%%=*}=$value")
done

echo "restore:     $restore_command"
echo "publish:     $publish_command"
echo "workdir:     $workdir (here $work/app)"
echo "user:        $user"
echo "env:         ${image_env[*]:-(none)}"
echo "entrypoint:  ${entrypoint[*]}"
echo "healthcheck: ${healthcheck[*]}"

# --- Restore and publish, as the build stage does (its /src is the repository root) -------------------------------
echo "== $restore_command"
eval "$restore_command" || fail "the Dockerfile's restore failed (are the packages.lock.json files committed and current?)"
publish_here=$(sed -E "s#(-o|--output)[[:space:]]+$publish_output#\\1 $work/app#" <<<"$publish_command")
echo "== $publish_here"
eval "$publish_here" >"$work/publish.log" 2>&1 || { cat "$work/publish.log" >&2; fail "the Dockerfile's publish failed"; }
[ -d "$work/app" ] || fail "the publish produced no $work/app"

# What ships: no Development settings, and not the demo secret (read from the Development file, not repeated here).
development=$(find "$work/app" -iname '*.Development.*' | head -n 1)
[ -z "$development" ] || fail "the image would hold Development settings: ${development#"$work/"}"
demo_secret=$(sed -nE 's/.*"Secrets": *\[ *"([^"]+)".*/\1/p' config/appsettings.Development.json | head -n 1)
[ -n "$demo_secret" ] || fail "no demo secret found in config/appsettings.Development.json to look for"
if grep -rqaF "$demo_secret" "$work/app"; then
  fail "the image would hold the demo secret"
fi
echo "no Development settings, no demo secret in the publish output"

# --- Run as the container would ------------------------------------------------------------------------------------
free_port() {
  # A random high port that refuses connections now (bash cannot bind port 0 to ask the kernel for one).
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}
public_port=$(free_port) || fail "no free port"
management_port=$(free_port) || fail "no free port"
upstream_port=$(free_port) || fail "no free port"
check_secret="dockerfile-check-$RANDOM$RANDOM$RANDOM"

# A container starts with the image's environment only: the base image's own variables, then the Dockerfile's.
container_env=(
  "PATH=$PATH"
  "HOME=$work/home"
  ${DOTNET_ROOT:+"DOTNET_ROOT=$DOTNET_ROOT"}
  "DOTNET_RUNNING_IN_CONTAINER=true"
  "ASPNETCORE_HTTP_PORTS=8080"
  "${mapped_env[@]}"
  # What a deployment adds: the ports (moved off 8080/9464 for this machine), and one route, policy and cluster.
  "Kestrel__Endpoints__Public__Url=http://127.0.0.1:$public_port"
  "Kestrel__Endpoints__Management__Url=http://127.0.0.1:$management_port"
  "Webhooks__Policies__check__Secrets__0=$check_secret"
  "ReverseProxy__Routes__check__ClusterId=check"
  "ReverseProxy__Routes__check__Match__Path=/webhooks/check"
  "ReverseProxy__Routes__check__Metadata__WebhookPolicy=check"
  "ReverseProxy__Clusters__check__Destinations__upstream__Address=http://127.0.0.1:$upstream_port"
)
mkdir -p "$work/home"

http_status() {
  # GET over bash's /dev/tcp: the image has no curl, and neither need this machine.
  local port=$1 path=$2 status
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$path" >&3
  read -r -t 5 _ status _ <&3 || status=
  exec 3<&- 3>&-
  echo "$status"
}

echo "== (cd $work/app && ${entrypoint[*]}) with Management on 127.0.0.1:$management_port"
(cd "$work/app" && exec env -i "${container_env[@]}" "${entrypoint[@]}") >"$work/gateway.log" 2>&1 &
gateway_pid=$!

deadline=$((SECONDS + 60))
status=
while [ $SECONDS -lt $deadline ]; do
  kill -0 "$gateway_pid" 2>/dev/null || fail "the gateway exited before /healthz answered"
  status=$(http_status "$management_port" /healthz 2>/dev/null || true)
  [ "$status" = 200 ] && break
  sleep 0.5
done
[ "$status" = 200 ] || fail "/healthz did not answer 200 within 60 s (last: ${status:-no answer})"
echo "/healthz answered 200"

public_status=$(http_status "$public_port" /healthz 2>/dev/null || true)
[ "$public_status" = 404 ] || fail "/healthz on the Public endpoint answered ${public_status:-nothing}, expected 404"

(cd "$work/app" && env -i "${container_env[@]}" "${healthcheck[@]}") || fail "the HEALTHCHECK command failed while the gateway was healthy"
echo "HEALTHCHECK command: exit 0"

kill -TERM "$gateway_pid"
for _ in $(seq 1 60); do
  kill -0 "$gateway_pid" 2>/dev/null || break
  sleep 0.5
done
if kill -0 "$gateway_pid" 2>/dev/null; then
  fail "the gateway did not stop within 30 s of SIGTERM"
fi
wait "$gateway_pid" 2>/dev/null || true
gateway_pid=

if (cd "$work/app" && env -i "${container_env[@]}" "${healthcheck[@]}") >/dev/null 2>&1; then
  fail "the HEALTHCHECK command exited 0 with no gateway running"
fi
echo "HEALTHCHECK command after stop: non-zero, as it should"
if grep -qF "$check_secret" "$work/gateway.log"; then
  fail "the gateway's output contains the secret"
fi

echo "dockerfile-check: PASS"
