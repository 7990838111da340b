#!/usr/bin/env bash
# Starts a real SMTP server on loopback for the mail tests: Python aiosmtpd (PyPI, in its own
# venv under ~/.cache/tandem) storing every message it receives in a Maildir. Prints the
# variables the tests read (eval them), like pg-up.sh:
#   TANDEM_TEST_SMTP=smtp://127.0.0.1:<port>  TANDEM_TEST_MAILDIR=<dir>  TANDEM_SMTP_SINK_PID=<pid>
# Stop it with: kill "$TANDEM_SMTP_SINK_PID"; rm -rf "$TANDEM_TEST_MAILDIR".
set -euo pipefail
venv="${TANDEM_TOOLS_DIR:-$HOME/.cache/tandem}/venv-smtp"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    echo "missing: python3-venv (sudo apt-get install python3-venv), needed for the SMTP sink of the mail tests" >&2
    exit 1
  fi
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet aiosmtpd >&2
fi
# A free port, chosen by the kernel.
port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dir=$(mktemp -d)
# The Maildir is made by aiosmtpd itself (with new/cur/tmp); it must not exist yet.
maildir="$dir/maildir"
"$venv/bin/python" -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox "$maildir" \
  >"$dir/log" 2>&1 &
pid=$!
for _ in $(seq 50); do
  if "$venv/bin/python" -c "import socket; socket.create_connection(('127.0.0.1',$port),1)" 2>/dev/null; then
    echo "export TANDEM_TEST_SMTP=smtp://127.0.0.1:$port TANDEM_TEST_MAILDIR=$maildir TANDEM_SMTP_SINK_PID=$pid TANDEM_SMTP_SINK_DIR=$dir"
    exit 0
  fi
  sleep 0.1
done
echo "the SMTP sink did not start:" >&2
cat "$dir/log" >&2
kill "$pid" 2>/dev/null || true
exit 1
