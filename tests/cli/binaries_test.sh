#!/usr/bin/env bash
# Runs the built binaries the way an operator does: --help, --version, --check-config on good
# and bad files. Bad configuration must give exit code 2 and a FILE:LINE:COL message.
set -u
bin=$1
data=$2
etc=$3
failures=0
passes=0

# expect NAME EXPECTED_EXIT EXPECTED_STDERR_OR_STDOUT_SUBSTRING -- COMMAND...
expect() {
  local name=$1 want_rc=$2 want_text=$3
  shift 4
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  if [[ $rc -ne $want_rc || "$out" != *"$want_text"* ]]; then
    echo "FAIL $name: exit $rc (want $want_rc), output:"
    echo "$out" | sed 's/^/    /'
    echo "    wanted to contain: $want_text"
    failures=$((failures + 1))
  else
    echo "ok   $name"
    passes=$((passes + 1))
  fi
}

for b in pathwatch-agent pathwatch-collector pathwatchctl; do
  expect "$b --version" 0 "$b 0." -- "$bin/$b" --version
  expect "$b --help" 0 "Usage: $b" -- "$bin/$b" --help
done
expect "agent: no arguments" 2 "--config FILE is required" -- "$bin/pathwatch-agent"
expect "agent: unknown flag" 2 "unrecognised option '--bogus'" -- "$bin/pathwatch-agent" --bogus
expect "ctl: unknown command" 2 "unknown command 'frobnicate'" -- "$bin/pathwatchctl" frobnicate

expect "agent: example config" 0 "OK (agent honcho-lan-01" -- \
  "$bin/pathwatch-agent" --check-config "$etc/agent.example.yaml"
expect "collector: example config" 0 "OK (1 listen endpoints" -- \
  "$bin/pathwatch-collector" --check-config "$etc/collector.example.yaml"
expect "agent: unknown key" 2 \
  "$data/agent_unknown_key.yaml:9:5: targets[0]: unknown key 'timout'" -- \
  "$bin/pathwatch-agent" --check-config "$data/agent_unknown_key.yaml"
expect "agent: wrong type" 2 \
  "$data/agent_wrong_type.yaml:4:15: thresholds.down_after: expected an integer, got 'three'" -- \
  "$bin/pathwatch-agent" --check-config "$data/agent_wrong_type.yaml"
expect "agent: missing field" 2 \
  "$data/agent_missing_field.yaml:2:3: agent: missing required key 'site'" -- \
  "$bin/pathwatch-agent" --check-config "$data/agent_missing_field.yaml"
# A name the collector would refuse (here a target name with the byte 0xFF: not UTF-8).
expect "agent: target name not UTF-8" 2 \
  "$data/agent_target_not_utf8.yaml:6:12: targets[0].name: target name is not valid UTF-8" -- \
  "$bin/pathwatch-agent" --check-config "$data/agent_target_not_utf8.yaml"
expect "collector: unknown key" 2 \
  "$data/collector_unknown_key.yaml:5:3: store: unknown key 'jounal_mode'" -- \
  "$bin/pathwatch-collector" --check-config "$data/collector_unknown_key.yaml"
expect "agent: missing file" 2 "/nonexistent.yaml: cannot open configuration file" -- \
  "$bin/pathwatch-agent" --check-config /nonexistent.yaml

# Start-up hostility (issue 16): a directory, a FIFO or a symlink where a file belongs is refused
# with exit 2 and a clear message, never a hang (each command bounded by `timeout`).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/dir.yaml"
mkfifo "$tmp/fifo.yaml" "$tmp/fifo.key"
expect "agent: a directory as config" 2 "$tmp/dir.yaml: configuration file is a directory" -- \
  timeout 10 "$bin/pathwatch-agent" --check-config "$tmp/dir.yaml"
expect "collector: a FIFO as config" 2 "$tmp/fifo.yaml: configuration file is a FIFO" -- \
  timeout 10 "$bin/pathwatch-collector" --check-config "$tmp/fifo.yaml"
"$bin/pathwatchctl" keygen --out "$tmp" --name server >/dev/null
ln -s "$tmp/server.key" "$tmp/link.key"
curve_config() {  # curve_config SECRET_KEY_FILE [API_LISTEN]
  cat <<YAML
collector: {listen: [tcp://127.0.0.1:0], curve: {public_key: $tmp/server.pub, secret_key: $1}}
store: {database: $tmp/c.db}
api: {listen: "${2:-127.0.0.1:0}"}
YAML
}
curve_config "$tmp/fifo.key" >"$tmp/fifo_key.yaml"
curve_config "$tmp/link.key" >"$tmp/link_key.yaml"
curve_config "$tmp/server.key" "localhost:7080" >"$tmp/name_listen.yaml"
expect "collector: a FIFO as secret key" 2 "$tmp/fifo.key: secret key file is a FIFO" -- \
  timeout 10 "$bin/pathwatch-collector" --config "$tmp/fifo_key.yaml"
expect "collector: a symlink as secret key" 2 "secret key file is a symbolic link" -- \
  timeout 10 "$bin/pathwatch-collector" --config "$tmp/link_key.yaml"
expect "collector: a host name as api.listen" 2 "'localhost' is not an IP address" -- \
  timeout 10 "$bin/pathwatch-collector" --check-config "$tmp/name_listen.yaml"

# The API token file is read like a secret key: a FIFO is refused at once (it used to hang
# --check-config, start-up and every SIGHUP), and so is pathwatchctl's --token-file as a FIFO or
# readable by others.
mkfifo "$tmp/fifo_tokens.yaml" "$tmp/fifo.token"
cat >"$tmp/fifo_tokens_config.yaml" <<YAML
collector: {listen: [tcp://127.0.0.1:0], insecure_plaintext: true}
store: {database: $tmp/c.db}
api: {listen: "127.0.0.1:0", tokens: $tmp/fifo_tokens.yaml}
YAML
expect "collector: a FIFO as API token file" 2 \
  "$tmp/fifo_tokens.yaml: API token file is a FIFO, not a regular file" -- \
  timeout 10 "$bin/pathwatch-collector" --check-config "$tmp/fifo_tokens_config.yaml"
expect "ctl: a FIFO as --token-file" 2 "token file is a FIFO" -- \
  timeout 10 "$bin/pathwatchctl" --token-file "$tmp/fifo.token" status
printf 'pwt_x\n' >"$tmp/open.token"
chmod 644 "$tmp/open.token"
expect "ctl: a --token-file others can read" 2 "has mode 0644: group/others may not" -- \
  timeout 10 "$bin/pathwatchctl" --token-file "$tmp/open.token" status

# Plain HTTP beyond loopback: tokens would cross the network in cleartext.
printf '[]\n' >"$tmp/tokens.yaml"
chmod 600 "$tmp/tokens.yaml"
cat >"$tmp/cleartext_api.yaml" <<YAML
collector: {listen: [tcp://127.0.0.1:0], insecure_plaintext: true}
store: {database: $tmp/c.db}
api: {listen: "0.0.0.0:7080", tokens: $tmp/tokens.yaml}
YAML
expect "collector: API beyond loopback in plain HTTP" 2 \
  "api.listen: the API would listen on 0.0.0.0 in plain HTTP" -- \
  timeout 10 "$bin/pathwatch-collector" --check-config "$tmp/cleartext_api.yaml"

# With api.tls (a self-signed pair made here) the same address is accepted; a private key that
# others may read is refused like a CURVE secret key.
if openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$tmp/api.key" -out "$tmp/api.crt" 2>/dev/null; then
  chmod 600 "$tmp/api.key"
  tls_config() {  # tls_config KEY_FILE
    cat <<YAML
collector: {listen: [tcp://127.0.0.1:0], insecure_plaintext: true}
store: {database: $tmp/c.db}
api: {listen: "0.0.0.0:7080", tokens: $tmp/tokens.yaml, tls: {certificate: $tmp/api.crt, private_key: $1}}
YAML
  }
  tls_config "$tmp/api.key" >"$tmp/tls_api.yaml"
  expect "collector: API beyond loopback with api.tls" 0 "OK" -- \
    timeout 10 "$bin/pathwatch-collector" --check-config "$tmp/tls_api.yaml"
  cp "$tmp/api.key" "$tmp/open.key"
  chmod 640 "$tmp/open.key"
  tls_config "$tmp/open.key" >"$tmp/tls_open_key.yaml"
  expect "collector: api.tls key readable by group" 2 \
    "$tmp/open.key: API private key file has mode 0640" -- \
    timeout 10 "$bin/pathwatch-collector" --check-config "$tmp/tls_open_key.yaml"
else
  echo "FAIL openssl could not make a self-signed certificate"
  failures=$((failures + 1))
fi

# pathwatchctl without a collector: exit 1 (unreachable); bad usage: exit 2.
expect "ctl: collector unreachable" 1 "unreachable" -- \
  "$bin/pathwatchctl" --collector http://127.0.0.1:1 status
expect "ctl: availability needs --month" 2 "needs --month" -- "$bin/pathwatchctl" availability
expect "ctl: bad collector URL" 2 "expected http://HOST:PORT" -- \
  "$bin/pathwatchctl" --collector ftp://x status

# The API beyond loopback without a token file: refused before anything starts (exit 2), by
# --check-config too, naming api.listen's FILE:LINE:COL.
open_api_msg="$data/collector_api_open.yaml:7:11: api.listen: the API would listen on 0.0.0.0 without a token file"
expect "collector: API beyond loopback without tokens (check)" 2 "$open_api_msg" -- \
  "$bin/pathwatch-collector" --check-config "$data/collector_api_open.yaml"
expect "collector: API beyond loopback without tokens (run)" 2 "$open_api_msg" -- \
  "$bin/pathwatch-collector" --config "$data/collector_api_open.yaml"

# token create: the token once, and the token-file line with its SHA-256.
expect "ctl: token create" 0 "- {name: ops-1, role: operator, sha256: " -- \
  "$bin/pathwatchctl" token create --role operator --name ops-1
expect "ctl: token create needs a role" 2 "--role viewer or --role operator" -- \
  "$bin/pathwatchctl" token create --name ops-1

# A collector that accepts the connection and never answers: pathwatchctl gives up at its
# --timeout with a clear message (exit 1). The listener lives at most 20 s whatever happens.
port_file=$(mktemp)
python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
print(s.getsockname()[1], flush=True)
held = []
deadline = time.monotonic() + 20
s.settimeout(1)
while time.monotonic() < deadline:
    try:
        held.append(s.accept()[0])
    except socket.timeout:
        pass
' >"$port_file" &
silent_pid=$!
for _ in $(seq 1 100); do [[ -s "$port_file" ]] && break; sleep 0.1; done
silent_port=$(head -1 "$port_file")
start=$(date +%s%N)
expect "ctl: stalled collector times out" 1 "did not answer within 1 s" -- \
  "$bin/pathwatchctl" --collector "http://127.0.0.1:$silent_port" --timeout 1 status
took_ms=$((($(date +%s%N) - start) / 1000000))
if [[ $took_ms -gt 3000 ]]; then
  echo "FAIL ctl: stalled collector took ${took_ms} ms (want < 3000)"
  failures=$((failures + 1))
fi
kill "$silent_pid" 2>/dev/null
wait "$silent_pid" 2>/dev/null
rm -f "$port_file"

echo "$passes passed, $failures failed"
[[ $failures -eq 0 ]]
