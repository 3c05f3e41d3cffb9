{{/*
Copyright the ol-workflow-orchestrator authors.
SPDX-License-Identifier: Apache-2.0
*/}}

{{/*
Chart name, truncated to the 63 characters a label value allows.
*/}}
{{- define "conductor-server.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified name: the release name, followed by the chart name unless the release
name already contains it.
*/}}
{{- define "conductor-server.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Namespace of every object.
*/}}
{{- define "conductor-server.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "conductor-server.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels of every object.
*/}}
{{- define "conductor-server.labels" -}}
helm.sh/chart: {{ include "conductor-server.chart" . }}
{{ include "conductor-server.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: conductor
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Labels that select the server pods (stable across upgrades).
*/}}
{{- define "conductor-server.selectorLabels" -}}
app.kubernetes.io/name: {{ include "conductor-server.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end }}

{{/*
Annotations of every object: commonAnnotations merged with the given extra ones.
Usage: include "conductor-server.annotations" (dict "extra" $map "context" $)
*/}}
{{- define "conductor-server.annotations" -}}
{{- $all := merge (deepCopy (default (dict) .extra)) (default (dict) .context.Values.commonAnnotations) }}
{{- with $all }}
{{- toYaml . }}
{{- end }}
{{- end }}

{{/*
Name of the ServiceAccount the pods run as.
*/}}
{{- define "conductor-server.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "conductor-server.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
A full image reference from an image block: registry/repository:tag[@digest].
Usage: include "conductor-server.imageRef" (dict "image" .Values.image "default" .Chart.AppVersion "context" $)
*/}}
{{- define "conductor-server.imageRef" -}}
{{- $registry := .image.registry }}
{{- with .context.Values.global }}{{ with .imageRegistry }}{{ $registry = . }}{{ end }}{{ end }}
{{- $tag := .image.tag | default .default | toString }}
{{- $ref := .image.repository }}
{{- if $registry }}{{ $ref = printf "%s/%s" $registry $ref }}{{ end }}
{{- if $tag }}{{ $ref = printf "%s:%s" $ref $tag }}{{ end }}
{{- if .image.digest }}{{ $ref = printf "%s@%s" $ref .image.digest }}{{ end }}
{{- $ref }}
{{- end }}

{{/*
The server image.
*/}}
{{- define "conductor-server.image" -}}
{{- include "conductor-server.imageRef" (dict "image" .Values.image "default" .Chart.AppVersion "context" .) }}
{{- end }}

{{/*
imagePullSecrets of the pods: the chart's and the global ones.
*/}}
{{- define "conductor-server.imagePullSecrets" -}}
{{- $secrets := concat (.Values.global.imagePullSecrets | default list) (.Values.image.pullSecrets | default list) | uniq }}
{{- if $secrets }}
imagePullSecrets:
{{- range $secrets }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Name of the Secret the chart creates for passwords given as values.
*/}}
{{- define "conductor-server.secretName" -}}
{{- include "conductor-server.fullname" . }}
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
The container environment of the server: the server image's five variables, secrets only by reference.
A Redis password is part of CONDUCTOR_REDIS_HOSTS (host:port:rack:password), so it enters
through REDIS_PASSWORD, read from the Secret, and Kubernetes' dependent variable expansion
$(REDIS_PASSWORD): the Deployment object never holds the password itself.
*/}}
{{- define "conductor-server.env" -}}
{{- $redis := .Values.externalRedis }}
{{- $db := .Values.externalDatabase }}
{{- if include "conductor-server.redis.passwordEnabled" . }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "conductor-server.redis.secretName" . }}
      key: {{ include "conductor-server.redis.secretPasswordKey" . }}
- name: CONDUCTOR_REDIS_HOSTS
  value: {{ printf "%s:%v:%s:$(REDIS_PASSWORD)" $redis.host $redis.port $redis.rack | quote }}
- name: CONDUCTOR_REDIS_LOCK_SERVER_PASSWORD
  value: "$(REDIS_PASSWORD)"
{{- else }}
- name: CONDUCTOR_REDIS_HOSTS
  value: {{ printf "%s:%v:%s" $redis.host $redis.port $redis.rack | quote }}
{{- end }}
- name: CONDUCTOR_REDIS_LOCK_SERVER_ADDRESS
  value: {{ printf "redis://%s:%v" $redis.host $redis.port | quote }}
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
- name: SERVER_SHUTDOWN
  value: graceful
- name: SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE
  value: {{ .Values.shutdownPhaseTimeout | quote }}
{{- with .Values.javaOpts }}
- name: JAVA_TOOL_OPTIONS
  value: {{ . | quote }}
{{- end }}
{{- with .Values.extraEnvVars }}
{{ tpl (toYaml .) $ }}
{{- end }}
{{- end }}

{{/*
Pod anti-affinity from the preset.
*/}}
{{- define "conductor-server.affinity" -}}
{{- if .Values.affinity }}
{{- toYaml .Values.affinity }}
{{- else if eq .Values.podAntiAffinityPreset "soft" }}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "conductor-server.selectorLabels" . | nindent 12 }}
{{- else if eq .Values.podAntiAffinityPreset "hard" }}
podAntiAffinity:
  requiredDuringSchedulingIgnoredDuringExecution:
    - topologyKey: kubernetes.io/hostname
      labelSelector:
        matchLabels:
          {{- include "conductor-server.selectorLabels" . | nindent 10 }}
{{- end }}
{{- end }}

{{/*
Checkov skips for the server pod, each with its reason.
*/}}
{{- define "conductor-server.checkovSkips" -}}
checkov.io/skip1: "CKV_K8S_35=The server reads its passwords from environment variables (the server image's contract); they come from a Secret by secretKeyRef, never as plain values"
{{- if not .Values.image.digest }}
checkov.io/skip2: "CKV_K8S_43=Immutable version tag by default; set image.digest to pin by digest"
{{- end }}
{{- if ne .Values.image.pullPolicy "Always" }}
checkov.io/skip3: "CKV_K8S_15=Versioned (or digest-pinned) images do not change, so IfNotPresent is safe and avoids a registry round trip per start"
{{- end }}
{{- end }}

{{/*
Compile every values validation message; fail with all of them at once.
*/}}
{{- define "conductor-server.validateValues" -}}
{{- $messages := list -}}
{{- $messages = append $messages (include "conductor-server.validateValues.database" . | trim) -}}
{{- $messages = append $messages (include "conductor-server.validateValues.redis" . | trim) -}}
{{- $messages = append $messages (include "conductor-server.validateValues.rollout" . | trim) -}}
{{- $messages = without $messages "" -}}
{{- $message := join "\n" $messages -}}
{{- if $message -}}
{{- printf "\nVALUES VALIDATION:\n%s" $message | fail -}}
{{- end -}}
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
{{- if not $redis.host }}
conductor-server: externalRedis.host
    The Redis host is required. Set externalRedis.host.
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

{{- define "conductor-server.validateValues.rollout" -}}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) }}
conductor-server: autoscaling.minReplicas
    autoscaling.minReplicas ({{ .Values.autoscaling.minReplicas }}) is greater than
    autoscaling.maxReplicas ({{ .Values.autoscaling.maxReplicas }}).
{{- end }}
{{- if and .Values.autoscaling.enabled (not .Values.autoscaling.targetCPU) (not .Values.autoscaling.targetMemory) }}
conductor-server: autoscaling.targetCPU
    The autoscaler needs a target: set autoscaling.targetCPU or autoscaling.targetMemory.
{{- end }}
{{- end -}}
