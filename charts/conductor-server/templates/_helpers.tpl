{{/*
Copyright the ol-workflow-orchestrator authors.
SPDX-License-Identifier: Apache-2.0
*/}}

{{/*
Name of the Secret the chart creates for passwords given as values.
*/}}
{{- define "conductor-server.secretName" -}}
{{- include "common.names.fullname" . }}
{{- end }}

{{/*
Whether the chart creates its own Secret (a password was given as a value).
*/}}
{{- define "conductor-server.createSecret" -}}
{{- if or (and (not .Values.externalDatabase.existingSecret) .Values.externalDatabase.password) (and (not .Values.externalRedis.existingSecret) .Values.externalRedis.password) -}}
true
{{- end }}
{{- end }}

{{/*
Secret holding the database password, and its key.
*/}}
{{- define "conductor-server.database.secretName" -}}
{{- default (include "conductor-server.secretName" .) .Values.externalDatabase.existingSecret }}
{{- end }}

{{- define "conductor-server.database.secretPasswordKey" -}}
{{- if .Values.externalDatabase.existingSecret }}
{{- .Values.externalDatabase.existingSecretPasswordKey }}
{{- else -}}
db-password
{{- end }}
{{- end }}

{{/*
Whether Redis needs a password.
*/}}
{{- define "conductor-server.redis.passwordEnabled" -}}
{{- if or .Values.externalRedis.existingSecret .Values.externalRedis.password -}}
true
{{- end }}
{{- end }}

{{/*
Secret holding the Redis password, and its key.
*/}}
{{- define "conductor-server.redis.secretName" -}}
{{- default (include "conductor-server.secretName" .) .Values.externalRedis.existingSecret }}
{{- end }}

{{- define "conductor-server.redis.secretPasswordKey" -}}
{{- if .Values.externalRedis.existingSecret }}
{{- .Values.externalRedis.existingSecretPasswordKey }}
{{- else -}}
redis-password
{{- end }}
{{- end }}

{{/*
JDBC URL of the database, with the schema as currentSchema.
*/}}
{{- define "conductor-server.database.jdbcUrl" -}}
{{- $db := .Values.externalDatabase }}
{{- $params := list (printf "currentSchema=%s" $db.schema) }}
{{- range $k, $v := $db.jdbcParameters }}
{{- $params = append $params (printf "%s=%v" $k $v) }}
{{- end }}
{{- printf "jdbc:postgresql://%s:%v/%s?%s" $db.host $db.port $db.database (join "&" $params) }}
{{- end }}

{{/*
The Redis nodes the server is given, as a list of "host:port": the standalone host, or the
Sentinels, or the cluster's seed nodes.
*/}}
{{- define "conductor-server.redis.nodes" -}}
{{- $redis := .Values.externalRedis }}
{{- $nodes := list }}
{{- if eq $redis.mode "standalone" }}
{{- $nodes = append $nodes (printf "%s:%v" $redis.host $redis.port) }}
{{- else }}
{{- range $redis.hosts }}
{{- $nodes = append $nodes (printf "%s:%v" .host .port) }}
{{- end }}
{{- end }}
{{- toJson $nodes }}
{{- end }}

{{/*
Address(es) of the Redis the execution lock (Redisson) uses: the value given, or derived.
Redisson takes one address for a single server and for Sentinel (it finds the other
Sentinels through the first), and a comma-separated list for a cluster.
*/}}
{{- define "conductor-server.redis.lockAddress" -}}
{{- $redis := .Values.externalRedis }}
{{- if $redis.lockAddress }}
{{- $redis.lockAddress }}
{{- else }}
{{- $scheme := ternary "rediss" "redis" $redis.tls.enabled }}
{{- $addresses := list }}
{{- range (include "conductor-server.redis.nodes" . | fromJsonArray) }}
{{- $addresses = append $addresses (printf "%s://%s" $scheme .) }}
{{- end }}
{{- if eq $redis.mode "cluster" }}
{{- join "," $addresses }}
{{- else }}
{{- first $addresses }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Whether the pods build a trust store holding the Redis CA.
*/}}
{{- define "conductor-server.redis.customCa" -}}
{{- $tls := .Values.externalRedis.tls }}
{{- if and $tls.enabled (or $tls.existingSecret $tls.existingConfigMap) -}}
true
{{- end }}
{{- end }}

{{/*
Where the trust store is, in the init container that writes it and in the server.
*/}}
{{- define "conductor-server.redis.truststorePath" -}}
/truststore/truststore.p12
{{- end }}

{{/*
JVM options: javaOpts, plus the trust store with the Redis CA when there is one. Both Redis
clients take the JVM's default trust store (Jedis through the default SSLSocketFactory,
Redisson through Netty's default TrustManagerFactory). The store holds public certificates
only; its password is the JDK's well-known default and protects nothing.
*/}}
{{- define "conductor-server.javaToolOptions" -}}
{{- $opts := list }}
{{- with .Values.javaOpts }}{{ $opts = append $opts . }}{{ end }}
{{- if include "conductor-server.redis.customCa" . }}
{{- $opts = append $opts (printf "-Djavax.net.ssl.trustStore=%s" (include "conductor-server.redis.truststorePath" .)) }}
{{- $opts = append $opts "-Djavax.net.ssl.trustStoreType=PKCS12" }}
{{- $opts = append $opts "-Djavax.net.ssl.trustStorePassword=changeit" }}
{{- end }}
{{- join " " $opts }}
{{- end }}

{{/*
The Redis part of the server's environment, for every mode. The one place that maps the
externalRedis values to Conductor's properties (docs/server-image.md lists the mapping):

  CONDUCTOR_DB_TYPE, CONDUCTOR_QUEUE_TYPE   conductor.db.type, conductor.queue.type
                                            (redis_sentinel | redis_cluster; standalone is
                                            the image's default and is not set)
  CONDUCTOR_REDIS_HOSTS                     conductor.redis.hosts, host:port:rack[:password]
                                            per node, ';'-separated
  CONDUCTOR_REDIS_CLUSTER_NAME              conductor.redis.clusterName (Sentinel master)
  CONDUCTOR_REDIS_DATABASE                  conductor.redis.database (when not 0)
  CONDUCTOR_REDIS_SSL                       conductor.redis.ssl (with TLS)
  CONDUCTOR_REDIS_LOCK_SERVER_TYPE          conductor.redis-lock.serverType (SENTINEL | CLUSTER)
  CONDUCTOR_REDIS_LOCK_SERVER_MASTER_NAME   conductor.redis-lock.serverMasterName
  CONDUCTOR_REDIS_LOCK_SERVER_ADDRESS       conductor.redis-lock.serverAddress
  CONDUCTOR_REDIS_LOCK_SERVER_PASSWORD      conductor.redis-lock.serverPassword

The password is a field of CONDUCTOR_REDIS_HOSTS, so it enters through REDIS_PASSWORD, read
from the Secret, and Kubernetes' dependent variable expansion $(REDIS_PASSWORD): neither the
Deployment object nor the command line ever holds the password itself.
*/}}
{{- define "conductor-server.redis.env" -}}
{{- $redis := .Values.externalRedis }}
{{- $password := include "conductor-server.redis.passwordEnabled" . }}
{{- $type := printf "redis_%s" $redis.mode }}
{{- $entries := list }}
{{- range (include "conductor-server.redis.nodes" . | fromJsonArray) }}
{{- $entry := printf "%s:%s" . $redis.rack }}
{{- if $password }}{{ $entry = printf "%s:$(REDIS_PASSWORD)" $entry }}{{ end }}
{{- $entries = append $entries $entry }}
{{- end }}
{{- if $password }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "conductor-server.redis.secretName" . }}
      key: {{ include "conductor-server.redis.secretPasswordKey" . }}
{{- end }}
{{- if ne $redis.mode "standalone" }}
- name: CONDUCTOR_DB_TYPE
  value: {{ $type }}
- name: CONDUCTOR_QUEUE_TYPE
  value: {{ $type }}
{{- end }}
- name: CONDUCTOR_REDIS_HOSTS
  value: {{ join ";" $entries | quote }}
{{- if eq $redis.mode "sentinel" }}
- name: CONDUCTOR_REDIS_CLUSTER_NAME
  value: {{ $redis.sentinel.masterName | quote }}
{{- end }}
{{- if ne (int $redis.database) 0 }}
- name: CONDUCTOR_REDIS_DATABASE
  value: {{ $redis.database | quote }}
{{- end }}
{{- if $redis.tls.enabled }}
- name: CONDUCTOR_REDIS_SSL
  value: "true"
{{- end }}
{{- if $password }}
- name: CONDUCTOR_REDIS_LOCK_SERVER_PASSWORD
  value: "$(REDIS_PASSWORD)"
{{- end }}
{{- if ne $redis.mode "standalone" }}
- name: CONDUCTOR_REDIS_LOCK_SERVER_TYPE
  value: {{ upper $redis.mode }}
{{- end }}
{{- if eq $redis.mode "sentinel" }}
- name: CONDUCTOR_REDIS_LOCK_SERVER_MASTER_NAME
  value: {{ $redis.sentinel.masterName | quote }}
{{- end }}
- name: CONDUCTOR_REDIS_LOCK_SERVER_ADDRESS
  value: {{ include "conductor-server.redis.lockAddress" . | quote }}
{{- end }}

{{/*
The container environment of the server: the server image's five variables and the Redis mode's,
secrets only by reference.
*/}}
{{- define "conductor-server.env" -}}
{{- $db := .Values.externalDatabase }}
{{- include "conductor-server.redis.env" . }}
- name: SPRING_DATASOURCE_URL
  value: {{ include "conductor-server.database.jdbcUrl" . | quote }}
{{- if and $db.existingSecret $db.existingSecretUserKey }}
- name: SPRING_DATASOURCE_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ $db.existingSecret }}
      key: {{ $db.existingSecretUserKey }}
{{- else }}
- name: SPRING_DATASOURCE_USERNAME
  value: {{ $db.user | quote }}
{{- end }}
- name: SPRING_DATASOURCE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "conductor-server.database.secretName" . }}
      key: {{ include "conductor-server.database.secretPasswordKey" . }}
- name: MANAGEMENT_ENDPOINT_HEALTH_PROBES_ENABLED
  value: "true"
- name: MANAGEMENT_ENDPOINT_HEALTH_GROUP_READINESS_INCLUDE
  value: {{ .Values.readinessProbe.include | quote }}
- name: MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE
  value: {{ ternary "health,prometheus" "health" .Values.metrics.enabled }}
- name: SERVER_SHUTDOWN
  value: graceful
- name: SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE
  value: {{ .Values.shutdownPhaseTimeout | quote }}
{{- with include "conductor-server.javaToolOptions" . }}
- name: JAVA_TOOL_OPTIONS
  value: {{ . | quote }}
{{- end }}
{{- with .Values.extraEnvVars }}
{{ tpl (toYaml .) $ }}
{{- end }}
{{- end }}

{{/*
The init container's script: a PKCS12 copy of the JVM's default trust store with every
certificate of the mounted CA bundle added (keytool imports one certificate per call).
Paths come from CA_FILE and TRUSTSTORE.
*/}}
{{- define "conductor-server.redis.truststoreScript" -}}
set -eu
# keytool is chatty on success; show its output only when it fails.
quiet() { if ! out=$("$@" 2>&1); then echo "$out" >&2; return 1; fi; }
work=$(dirname "$TRUSTSTORE")
rm -f "$TRUSTSTORE" "$work"/redis-ca-*.pem
quiet keytool -importkeystore -noprompt \
  -srckeystore "$JAVA_HOME/lib/security/cacerts" -srcstorepass changeit \
  -destkeystore "$TRUSTSTORE" -deststoretype PKCS12 -deststorepass changeit
awk -v dir="$work" '/-----BEGIN CERTIFICATE-----/ { n++ } n { print > (dir "/redis-ca-" n ".pem") }' "$CA_FILE"
count=0
for pem in "$work"/redis-ca-*.pem; do
  [ -e "$pem" ] || break
  quiet keytool -importcert -noprompt -alias "$(basename "$pem" .pem)" -file "$pem" \
    -keystore "$TRUSTSTORE" -storetype PKCS12 -storepass changeit
  rm -f "$pem"
  count=$((count + 1))
done
if [ "$count" -eq 0 ]; then
  echo "no PEM certificate in $CA_FILE (externalRedis.tls.caKey)" >&2
  exit 1
fi
echo "trust store $TRUSTSTORE: the JVM's CAs and $count Redis CA certificate(s)"
{{- end }}

{{/*
Checkov skips of the server pod, with their reasons (common.checkov.skips adds the image's).
*/}}
{{- define "conductor-server.checkovSkips" -}}
{{- include "common.checkov.skips" (dict
  "skips" (list
    (dict "check" "CKV_K8S_35" "reason" "The server reads its passwords from environment variables (the server image's contract); they come from a Secret by secretKeyRef, never as plain values"))
  "images" (list (dict "path" "image" "image" .Values.image))) }}
{{- end }}

{{/*
The server's values checks (common.validateValues.collect fails with every message at
once).
*/}}
{{- define "conductor-server.validateValues" -}}
{{- include "common.validateValues.collect" (dict "checks" (list
  "conductor-server.validateValues.database"
  "conductor-server.validateValues.redis"
  "conductor-server.validateValues.metrics"
  "common.validateValues.autoscaling"
  "conductor-server.validateValues.rollout") "context" .) -}}
{{- end -}}

{{- define "conductor-server.validateValues.database" -}}
{{- $db := .Values.externalDatabase -}}
{{- if not $db.host }}
conductor-server: externalDatabase.host
    The PostgreSQL host is required. Set externalDatabase.host.
{{- end }}
{{- if and (not $db.existingSecret) (not $db.password) }}
conductor-server: externalDatabase.password
    A database password is required. Set externalDatabase.existingSecret to the name of
    a Secret holding it (key externalDatabase.existingSecretPasswordKey), or set
    externalDatabase.password and the chart stores it in a Secret.
{{- end }}
{{- if eq (lower $db.schema) "public" }}
conductor-server: externalDatabase.schema
    The server must not use the public schema. Set externalDatabase.schema to a
    dedicated schema (e.g. conductor).
{{- end }}
{{- end -}}

{{- define "conductor-server.validateValues.redis" -}}
{{- $redis := .Values.externalRedis -}}
{{- $tls := $redis.tls -}}
{{- if not (has $redis.mode (list "standalone" "sentinel" "cluster")) }}
conductor-server: externalRedis.mode
    externalRedis.mode is "{{ $redis.mode }}"; use standalone, sentinel or cluster.
{{- end }}
{{- if eq $redis.mode "standalone" }}
{{- if not $redis.host }}
conductor-server: externalRedis.host
    The Redis host is required. Set externalRedis.host.
{{- end }}
{{- if $redis.hosts }}
conductor-server: externalRedis.hosts
    externalRedis.hosts is for sentinel and cluster modes. In standalone mode set
    externalRedis.host and externalRedis.port, or set externalRedis.mode.
{{- end }}
{{- else }}
{{- if not $redis.hosts }}
conductor-server: externalRedis.hosts
    In {{ $redis.mode }} mode list the {{ ternary "Sentinels" "cluster's seed nodes" (eq $redis.mode "sentinel") }} in externalRedis.hosts
    (each {host, port}).
{{- end }}
{{- if $redis.host }}
conductor-server: externalRedis.host
    externalRedis.host is for standalone mode only; in {{ $redis.mode }} mode list the
    nodes in externalRedis.hosts and leave externalRedis.host empty.
{{- end }}
{{- end }}
{{- if and (eq $redis.mode "sentinel") (not $redis.sentinel.masterName) }}
conductor-server: externalRedis.sentinel.masterName
    Sentinel mode needs the name of the master the Sentinels monitor. Set
    externalRedis.sentinel.masterName.
{{- end }}
{{- if and (eq $redis.mode "sentinel") $tls.enabled }}
conductor-server: externalRedis.tls.enabled
    The server's Sentinel client (Jedis' JedisSentinelPool, for data and queues) has no
    TLS option, so sentinel mode cannot use TLS. Use standalone or cluster mode for TLS.
{{- end }}
{{- if and (eq $redis.mode "cluster") (ne (int $redis.database) 0) }}
conductor-server: externalRedis.database
    Redis Cluster has only database 0; externalRedis.database is {{ $redis.database }}.
{{- end }}
{{- if and $tls.enabled $redis.lockAddress (regexMatch "(^|,)redis://" $redis.lockAddress) }}
conductor-server: externalRedis.lockAddress
    With externalRedis.tls.enabled the lock must use TLS too: write its address(es)
    as rediss://host:port, not redis://.
{{- end }}
{{- if and $tls.existingSecret $tls.existingConfigMap }}
conductor-server: externalRedis.tls.existingSecret
    Give the Redis CA in a Secret or in a ConfigMap, not both.
{{- end }}
{{- if regexMatch "[:;]" (toString $redis.password) }}
conductor-server: externalRedis.password
    The Redis password is a field of CONDUCTOR_REDIS_HOSTS (host:port:rack:password), so it
    cannot contain ':' or ';'. Choose another password.
{{- end }}
{{- if regexMatch "[:;]" (toString $redis.rack) }}
conductor-server: externalRedis.rack
    The rack is a field of CONDUCTOR_REDIS_HOSTS, so it cannot contain ':' or ';'.
{{- end }}
{{- end -}}

{{- define "conductor-server.validateValues.metrics" -}}
{{- $metrics := .Values.metrics -}}
{{- if and (not $metrics.enabled) (or $metrics.serviceMonitor.enabled $metrics.podAnnotations.enabled) }}
conductor-server: metrics.enabled
    metrics.serviceMonitor and metrics.podAnnotations scrape /actuator/prometheus, which
    the server serves only with metrics.enabled=true.
{{- end }}
{{- end -}}

{{- define "conductor-server.validateValues.rollout" -}}
{{- if and .Values.autoscaling.enabled (not .Values.autoscaling.targetCPU) (not .Values.autoscaling.targetMemory) }}
conductor-server: autoscaling.targetCPU
    The autoscaler needs a target: set autoscaling.targetCPU or autoscaling.targetMemory.
{{- end }}
{{- end -}}
