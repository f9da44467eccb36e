#!/usr/bin/env bash
# Build, test, pack and run the Xiaozhi IM gateway. build.ps1 is its twin with the same verbs.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

SOLUTION="Xiaozhi.sln"
CONFIGURATION="${CONFIGURATION:-Debug}"
PACKAGES_DIR="$ROOT/artifacts/packages"

# `run` settings (all overridable from the environment).
IM_PORT="${XIAOZHI_IM_PORT:-8000}"
MANAGEMENT_PORT="${XIAOZHI_MANAGEMENT_PORT:-9090}"
AI_PORT="${XIAOZHI_AI_PORT:-50051}"
OTA_PORT="${XIAOZHI_OTA_PORT:-8003}"
PUBLIC_HOST="${XIAOZHI_PUBLIC_HOST:-127.0.0.1}"
JWT_SECRET="${XIAOZHI_JWT_SECRET:-xiaozhi-dev-secret-change-me-before-deploying}"
SAMPLE_DEVICE_ID="${XIAOZHI_SAMPLE_DEVICE_ID:-aa:bb:cc:dd:ee:ff}"

usage() {
  cat <<USAGE
Usage: ./build.sh <verb>

Verbs:
  restore   dotnet restore the solution
  build     build the solution ($CONFIGURATION; set CONFIGURATION=Release to change)
  test      run every test (unit + end-to-end) and print a "N passed, N failed" summary
  pack      pack Xiaozhi.Grpc.Proto (.nupkg + .snupkg) into artifacts/packages
  run       start the stub AI service and the IM gateway; prints the WebSocket URL, the OTA URL and a dev token
  bench     Release benchmark harness: raw echo vs IM (latency ratios, CPU/frame, RSS/device, scaling,
            backend restart; the stub published native first); prints figures, never a test. Options after
            the verb (--quick ~1.5 min; --stub jit; --help).
            'bench micro [BenchmarkDotNet args]' runs the hot-path micro-benchmarks (short in-process job);
            'bench cluster [N]' two cluster nodes on redis-server (N devices, 1000); 'bench haproxy [N]'
            the real haproxy in front of them and its added hop (needs redis-server and haproxy);
            'bench balance [N] [--quick]' two stubs with faults and one IM node per balancing policy (N
            devices, 40): time to first audio and each endpoint's share of turns in six cases (~6 min)
  soak      'soak [minutes] [--seed N] [--devices N]' (5, 1, 40): the three IM nodes the shipped HAProxy
            configuration lists, clustered on Redis through Sentinel, behind that HAProxy, two stubs recycling connections (GOAWAY), devices coming and going
            while a seeded schedule kills and drains nodes, kills the Redis primary and a stub, reloads
            HAProxy; prints the checker's report, exit 1 on a violation (needs redis-server, redis-sentinel
            and haproxy)
  fuzz      AFL++ fuzzing of the frame parser and JSON sniffer for FUZZ_SECONDS (120); not part of CI
  clean     remove build output and artifacts
  help      this text

Environment for 'run': XIAOZHI_IM_PORT (8000), XIAOZHI_MANAGEMENT_PORT (9090), XIAOZHI_AI_PORT (50051), XIAOZHI_OTA_PORT (8003),
XIAOZHI_PUBLIC_HOST (127.0.0.1: the host in the OTA's WebSocket URL, which boards dial; set a LAN address for real
boards, 'run' lists them), XIAOZHI_JWT_SECRET (a development secret), XIAOZHI_SAMPLE_DEVICE_ID.
USAGE
}

restore() { dotnet restore "$SOLUTION" --nologo; }

build() { dotnet build "$SOLUTION" -c "$CONFIGURATION" --nologo; }

# The servers the tests start themselves (never mocked, never silently skipped): command → Debian package.
TEST_TOOLS=(redis-server:redis-server redis-sentinel:redis-sentinel haproxy:haproxy promtool:prometheus systemd-analyze:systemd)

require_test_tools() {
  local missing=() tool
  for tool in "${TEST_TOOLS[@]}"; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test: installing ${missing[*]} (apt-get)" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null && return 0
    echo "test: apt-get could not install ${missing[*]}" >&2
    return 1
  fi
  echo "test: missing test dependencies; install them first: apt-get install -y ${missing[*]}" >&2
  return 1
}

test_all() {
  require_test_tools || return 1
  # PowerShell 7 for the tests that run build.ps1 (tool manifest .config/dotnet-tools.json).
  dotnet tool restore >/dev/null
  # Layout of every file (fast, no build); then the build, which enforces the .editorconfig style rules, import order
  # and the analyzers (EnforceCodeStyleInBuild, StyleCop's using-order rules; warnings are errors).
  if ! dotnet format whitespace . --folder --exclude artifacts --verify-no-changes -v q; then
    echo "test: files are not formatted as .editorconfig says; fix with: dotnet format whitespace . --folder --exclude artifacts" >&2
    return 1
  fi
  if ! dotnet build "$SOLUTION" -c "$CONFIGURATION" --nologo -v q; then
    echo "test: the build failed (style, import order and analyzer rules are build errors; most fix with: dotnet format $SOLUTION)" >&2
    return 1
  fi
  local log
  log="$(mktemp)"
  local status=0
  dotnet test "$SOLUTION" -c "$CONFIGURATION" --no-build --nologo 2>&1 | tee "$log" || status=$?
  # One closing line for people and CI: the totals over every test assembly.
  awk '
    /(Passed|Failed)! +- +Failed: / {
      for (i = 1; i <= NF; i++) {
        if ($i == "Failed:")  { f += $(i + 1) + 0 }
        if ($i == "Passed:")  { p += $(i + 1) + 0 }
        if ($i == "Skipped:") { s += $(i + 1) + 0 }
      }
      n++
    }
    END { if (n == 0) { print "tests: no test assembly reported results"; exit 1 } printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }
  ' "$log" || status=1
  rm -f "$log"
  return "$status"
}

pack() {
  mkdir -p "$PACKAGES_DIR"
  dotnet pack Xiaozhi.Grpc.Proto/Xiaozhi.Grpc.Proto.csproj -c Release -o "$PACKAGES_DIR" --nologo
  ls -1 "$PACKAGES_DIR"/*.nupkg "$PACKAGES_DIR"/*.snupkg
}

bench() {
  # Figures, never a test: Release build, servers as child processes, loopback only.
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true # the scaling table holds up to ~10,000 sockets per process
  if [ "${1:-}" = micro ]; then
    shift
    dotnet run -c Release --project bench/Xiaozhi.Bench.Micro -- "$@"
  else
    dotnet build bench/Xiaozhi.Bench -c Release --nologo -v q
    # The stub (B) runs native by default, like the Go AI service's binary (--stub jit runs its Release build instead).
    # Ahead-of-time compilation needs clang (or gcc) and zlib's headers; the first publish takes about a minute.
    # The cluster, haproxy and balance runs use the stub's JIT build, so they need no native publish.
    case " $* " in
      " cluster "*|" haproxy "*|" balance "*|*" --stub jit "*|*" -h "*|*" --help "*) ;;
      *) dotnet publish Xiaozhi.AiService.Stub -c Release -p:PublishAot=true -o "$ROOT/artifacts/stub-native" --nologo -v q \
           || { echo "bench: the native stub did not publish (see above); './build.sh bench --stub jit' runs without it" >&2; return 1; } ;;
    esac
    dotnet bench/Xiaozhi.Bench/bin/Release/net10.0/Xiaozhi.Bench.dll "$@"
  fi
}

soak() {
  # The fleet under faults, checked from the devices' side (docs/operations.md#soak): a Release build, every server a
  # child process on loopback.
  require_test_tools || return 1
  dotnet build bench/Xiaozhi.Bench -c Release --nologo -v q
  dotnet bench/Xiaozhi.Bench/bin/Release/net10.0/Xiaozhi.Bench.dll soak "$@"
}

fuzz() {
  # AFL++ over the device-facing parsers (binary framing v1/v2/v3, JSON type sniffing). Not part of CI.
  local seconds="${FUZZ_SECONDS:-120}" out="$ROOT/artifacts/fuzz"
  if ! command -v afl-fuzz >/dev/null; then
    if [ "$(id -u)" = 0 ]; then apt-get install -y -qq afl++ >/dev/null; else echo "afl-fuzz not found: install afl++" >&2; return 1; fi
  fi
  dotnet tool restore >/dev/null
  dotnet publish fuzz/Xiaozhi.Im.Service.Fuzz -c Release -o "$out/bin" --nologo -v q
  # The seed corpus must pass before instrumenting (instrumented code only runs under AFL's forkserver).
  dotnet "$out/bin/Xiaozhi.Im.Service.Fuzz.dll" --replay fuzz/corpus
  dotnet tool run sharpfuzz "$out/bin/Xiaozhi.Im.Service.dll"
  AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 \
    afl-fuzz -i fuzz/corpus -o "$out/findings" -V "$seconds" -t 10000 -m none -- dotnet "$out/bin/Xiaozhi.Im.Service.Fuzz.dll"
  local crashes
  crashes=$(find "$out/findings" -path '*crashes*' -type f -name 'id:*' | wc -l)
  echo "fuzz: $seconds s, $crashes crashing inputs (in $out/findings/*/crashes; reproduce with: dotnet run --project fuzz/Xiaozhi.Im.Service.Fuzz -- --replay <dir>)"
  [ "$crashes" = 0 ]
}

clean() {
  dotnet clean "$SOLUTION" --nologo -v q || true
  find "$ROOT" -type d \( -name bin -o -name obj \) -prune -exec rm -rf {} +
  find "$PACKAGES_DIR" -mindepth 1 ! -name .gitkeep -delete 2>/dev/null || true
}

wait_for_port() {
  local port="$1" name="$2"
  for _ in $(seq 1 150); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  echo "$name did not start listening on port $port" >&2
  return 1
}

# The machine's non-loopback IPv4 addresses, one a line (what a board on the LAN can dial).
lan_addresses() {
  if command -v ip >/dev/null 2>&1; then
    ip -o -4 addr show scope global 2>/dev/null | awk '{ split($4, a, "/"); print a[1] }'
  elif command -v hostname >/dev/null 2>&1; then
    hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+(\.[0-9]+){3}$' | grep -v '^127\.'
  fi
}

run() {
  # Only what runs: the stub and the IM (the solution's tests and benchmarks are not needed to try it).
  dotnet build Xiaozhi.AiService.Stub -c "$CONFIGURATION" --nologo -v q
  dotnet build Xiaozhi.Im.Service -c "$CONFIGURATION" --nologo -v q
  local pids=()
  trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true' EXIT INT TERM

  # The OTA issues a token for any Device-Id: loopback, unless boards on the LAN must reach it (XIAOZHI_PUBLIC_HOST),
  # which the stub accepts only with Ota:AllowNonLoopback (and warns).
  local ota_listen=(--Ota:Urls "http://127.0.0.1:$OTA_PORT")
  if [ -n "${XIAOZHI_PUBLIC_HOST:-}" ]; then
    ota_listen=(--Ota:Urls "http://0.0.0.0:$OTA_PORT" --Ota:AllowNonLoopback true)
  fi
  dotnet run --no-build -c "$CONFIGURATION" --project Xiaozhi.AiService.Stub -- \
    --urls "http://127.0.0.1:$AI_PORT" \
    "${ota_listen[@]}" \
    --Ota:WebSocketUrl "ws://$PUBLIC_HOST:$IM_PORT/xiaozhi/v1/" \
    --Auth:JwtSecret "$JWT_SECRET" &
  pids+=($!)
  wait_for_port "$AI_PORT" "The stub AI service"

  # Development: the default XIAOZHI_JWT_SECRET is public, and the gateway refuses it in any other environment.
  dotnet run --no-build -c "$CONFIGURATION" --project Xiaozhi.Im.Service -- \
    --environment Development \
    --urls "http://0.0.0.0:$IM_PORT" \
    --Ai:Endpoints:0 "http://127.0.0.1:$AI_PORT" \
    --Management:Urls "http://127.0.0.1:$MANAGEMENT_PORT" \
    --Auth:JwtSecret "$JWT_SECRET" &
  pids+=($!)
  wait_for_port "$IM_PORT" "The IM gateway"
  wait_for_port "$OTA_PORT" "The stub's OTA endpoint"

  local ota="http://$PUBLIC_HOST:$OTA_PORT/xiaozhi/ota/"
  local token
  # Fetched over loopback whatever the public host is (the same stub answers on every address).
  token="$(curl -fsS -X POST -H "Device-Id: $SAMPLE_DEVICE_ID" -H 'Content-Type: application/json' -d '{}' "http://127.0.0.1:$OTA_PORT/xiaozhi/ota/" \
    | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')" || token="(could not fetch; POST $ota with a Device-Id header)"

  # The OTA hands boards ws://$PUBLIC_HOST:…, and a board dials exactly that: 127.0.0.1 is the board itself. Loopback
  # stays the default (a guessed address may be a container bridge or VPN); the LAN addresses are shown to pick from.
  local lan lan_line
  lan="$(lan_addresses | paste -sd ' ' -)"
  if [ -n "${XIAOZHI_PUBLIC_HOST:-}" ]; then
    lan_line="LAN address(es)              ${lan:-none found}   (the OTA hands out $PUBLIC_HOST, from XIAOZHI_PUBLIC_HOST)"
  elif [ -n "$lan" ]; then
    lan_line="LAN address(es)              $lan   (boards cannot reach 127.0.0.1: XIAOZHI_PUBLIC_HOST=<address> ./build.sh run hands one out)"
  else
    lan_line="LAN address(es)              none found   (boards cannot reach 127.0.0.1: XIAOZHI_PUBLIC_HOST=<address> ./build.sh run hands one out)"
  fi

  cat <<INFO

  Stub AI service (gRPC, h2c)  http://127.0.0.1:$AI_PORT
  OTA (stock clients)          $ota
  IM gateway (devices)         ws://$PUBLIC_HOST:$IM_PORT/xiaozhi/v1/   (also / and /ws)
  IM management (local only)   http://127.0.0.1:$MANAGEMENT_PORT/healthz  /readyz  /metrics
  $lan_line
  Sample Device-Id             $SAMPLE_DEVICE_ID
  Dev token (7 days)           $token

  Connect with headers:  Authorization: Bearer <token>, Device-Id: $SAMPLE_DEVICE_ID, Client-Id: <uuid>, Protocol-Version: 1
  Press Ctrl+C to stop both.

INFO
  wait -n "${pids[@]}"
}

case "${1:-help}" in
  restore) restore ;;
  build) build ;;
  test) test_all ;;
  pack) pack ;;
  run) run ;;
  bench) shift; bench "$@" ;;
  soak) shift; soak "$@" ;;
  fuzz) fuzz ;;
  clean) clean ;;
  help|-h|--help) usage ;;
  *) echo "unknown verb: $1" >&2; usage >&2; exit 2 ;;
esac
