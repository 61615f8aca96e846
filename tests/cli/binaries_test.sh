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

# pathwatchctl without a collector: exit 1 (unreachable); bad usage: exit 2.
expect "ctl: collector unreachable" 1 "unreachable" -- \
  "$bin/pathwatchctl" --collector http://127.0.0.1:1 status
expect "ctl: availability needs --month" 2 "needs --month" -- "$bin/pathwatchctl" availability
expect "ctl: bad collector URL" 2 "expected http://HOST:PORT" -- \
  "$bin/pathwatchctl" --collector ftp://x status

echo "$passes passed, $failures failed"
[[ $failures -eq 0 ]]
