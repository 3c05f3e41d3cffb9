#!/bin/sh
# Serves nginx's stub_status (connections and requests counters, for a Prometheus nginx
# exporter) on its own port when CONDUCTOR_UI_STUB_STATUS_PORT is set; off otherwise.
#
# A port of its own keeps the counters off the UI's port, which an Ingress exposes. The
# server block is written next to the rendered template (same output directory), as
# 11-conductor-resolver.sh does, so nginx includes it from conf.d.
set -eu
exec </dev/null

me=12-stub-status.sh
output_dir=${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}
output=$output_dir/conductor-ui-stub-status.conf
port=${CONDUCTOR_UI_STUB_STATUS_PORT:-}

# A file from an earlier start (a restarted container keeps its emptyDir) must not linger.
rm -f "$output"

if [ -z "$port" ]; then
    exit 0
fi

case "$port" in
    *[!0-9]*) port_ok=false ;;
    *) port_ok=true ;;
esac
if [ "$port_ok" != true ] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ] || [ "$port" -eq 8080 ]; then
    echo "$me: ERROR: CONDUCTOR_UI_STUB_STATUS_PORT='$port' is not a port number (1-65535)" \
         "other than the UI's 8080." >&2
    exit 1
fi

cat > "$output" <<CONF
# Written by $me at container start (CONDUCTOR_UI_STUB_STATUS_PORT=$port).
server {
    listen $port;
    server_name _;
    server_tokens off;
    access_log off;

    location = /stub_status {
        stub_status;
    }

    location / {
        return 404;
    }
}
CONF
echo "$me: stub_status on port $port at /stub_status"
