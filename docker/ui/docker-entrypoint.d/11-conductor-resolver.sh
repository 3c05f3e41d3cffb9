#!/bin/sh
# Writes nginx's "resolver" (http level) from the container's /etc/resolv.conf.
#
# The template proxies through a variable, so nginx resolves the backend's
# name per request with this resolver (and re-resolves it when the cached
# answer expires) instead of once at start. Runs before
# 20-envsubst-on-templates.sh and writes into the same output directory.
#
# Also stops the start when that directory is not writable: the envsubst step
# only logs that case and lets nginx start without its configuration.
set -eu
exec </dev/null

me=11-conductor-resolver.sh
resolv_conf=${CONDUCTOR_UI_RESOLV_CONF:-/etc/resolv.conf}
output_dir=${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}
output=$output_dir/conductor-ui-resolver.conf

if [ ! -w "$output_dir" ]; then
    echo "$me: ERROR: $output_dir is not writable; with a read-only root filesystem mount a" \
         "writable volume (e.g. an emptyDir) there and at /tmp." >&2
    exit 1
fi

# Host of the (already checked) base URL, without brackets or port.
host=${CONDUCTOR_BASE_URL:-}
host=${host#*://}
host=${host%/}
case "$host" in
    \[*) host=${host%%\]*}; host=${host#\[} ;;
    *) host=${host%%:*} ;;
esac

# nginx wants IPv6 servers in brackets and has no use for a scoped (fe80::1%eth0) one.
servers=""
if [ -r "$resolv_conf" ]; then
    servers=$(awk '$1 == "nameserver" && $2 !~ /%/ {
                       if ($2 ~ /:/) printf "[%s] ", $2; else printf "%s ", $2
                   }' "$resolv_conf")
fi
servers=${servers% }

if [ -z "$servers" ]; then
    if printf '%s\n' "$host" | grep -Eq '^([0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$'; then
        echo "# $me: no nameserver in $resolv_conf; $host is an address, none needed." > "$output"
        exit 0
    fi
    echo "$me: ERROR: no usable nameserver in $resolv_conf, so nginx could not resolve '$host'." >&2
    exit 1
fi

case "$host" in
    *.*|*:*) ;;
    *) echo "$me: WARNING: nginx's resolver does not apply the search list of $resolv_conf;" \
            "'$host' must resolve as it is (Docker's DNS does; in Kubernetes use" \
            "<service>.<namespace>.svc.cluster.local)." >&2 ;;
esac

{
    echo "# Written by $me at container start from $resolv_conf."
    echo "resolver $servers valid=10s;"
    echo "resolver_timeout 5s;"
} > "$output"
echo "$me: resolver $servers"
