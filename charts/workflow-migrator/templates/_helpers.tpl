{{/*
Copyright the ol-workflow-orchestrator authors.
SPDX-License-Identifier: Apache-2.0
*/}}

{{/*
Name of the drift CronJob's own ServiceAccount (it never shares the deploy Job's).
*/}}
{{- define "workflow-migrator.drift.serviceAccountName" -}}
{{- $default := include "common.names.suffixed" (dict "suffix" "drift" "context" .) }}
{{- include "common.serviceAccount.name" (dict "serviceAccount" .Values.drift.serviceAccount "default" $default "context" .) }}
{{- end }}

{{/*
Whether the chart creates a Secret for credentials given as values.
*/}}
{{- define "workflow-migrator.auth.createSecret" -}}
{{- $a := .Values.auth -}}
{{- if and (not $a.existingSecret) (or $a.token $a.key $a.secret) -}}
true
{{- end }}
{{- end }}

{{/*
Whether credentials are configured at all.
*/}}
{{- define "workflow-migrator.auth.enabled" -}}
{{- if or .Values.auth.existingSecret (include "workflow-migrator.auth.createSecret" .) -}}
true
{{- end }}
{{- end }}

{{/*
Directory the credentials are mounted at (CONDUCTOR_SECRETS_DIR).
*/}}
{{- define "workflow-migrator.auth.dir" -}}
/etc/secrets/workflow-migrator
{{- end }}

{{/*
Name of the ConfigMap of definitions the chart creates (processes.source=values).
*/}}
{{- define "workflow-migrator.processes.configMapName" -}}
{{- include "common.names.suffixed" (dict "suffix" "processes" "context" .) }}
{{- end }}

{{/*
The folders of a config directory the migrator reads (one per kind of definition, and the
environments), each a key of `processes` and of `processes.existingConfigMaps`; a ConfigMap
key `<dir>__<file>` holds the file `<dir>/<file>`. The keys of `processes.existingConfigMaps`
in values.yaml state the list once.
*/}}
{{- define "workflow-migrator.processes.dirs" -}}
{{- keys .Values.processes.existingConfigMaps | sortAlpha | join "\n" }}
{{- end }}

{{/*
Volumes of the migrator pod.
*/}}
{{- define "workflow-migrator.volumes" -}}
{{- include "common.volumes.tmp" . }}
{{- if eq .Values.processes.source "values" }}
- name: processes
  configMap:
    name: {{ include "workflow-migrator.processes.configMapName" . }}
    items:
      {{- range $dir := splitList "\n" (include "workflow-migrator.processes.dirs" .) }}
      {{- range $file, $_ := index $.Values.processes $dir }}
      - key: {{ printf "%s__%s" $dir $file }}
        path: {{ printf "%s/%s" $dir $file }}
      {{- end }}
      {{- end }}
{{- else if eq .Values.processes.source "existingConfigMaps" }}
- name: processes
  emptyDir:
    sizeLimit: 1Mi
{{- range $dir := splitList "\n" (include "workflow-migrator.processes.dirs" .) }}
{{- with index $.Values.processes.existingConfigMaps $dir }}
- name: processes-{{ $dir }}
  configMap:
    name: {{ . }}
{{- end }}
{{- end }}
{{- end }}
{{- if include "workflow-migrator.auth.enabled" . }}
- name: auth
  secret:
    {{- if .Values.auth.existingSecret }}
    secretName: {{ .Values.auth.existingSecret }}
    optional: true
    items:
      - key: {{ .Values.auth.existingSecretTokenKey }}
        path: CONDUCTOR_AUTH_TOKEN
      - key: {{ .Values.auth.existingSecretKeyKey }}
        path: CONDUCTOR_AUTH_KEY
      - key: {{ .Values.auth.existingSecretSecretKey }}
        path: CONDUCTOR_AUTH_SECRET
    {{- else }}
    secretName: {{ include "common.names.fullname" . }}
    {{- end }}
{{- end }}
{{- end }}

{{/*
Volume mounts of the migrator container.
*/}}
{{- define "workflow-migrator.volumeMounts" -}}
{{- include "common.volumes.tmpMount" . }}
{{- if eq .Values.processes.source "values" }}
- name: processes
  mountPath: {{ .Values.processes.configDir }}
  readOnly: true
{{- else if eq .Values.processes.source "existingConfigMaps" }}
- name: processes
  mountPath: {{ .Values.processes.configDir }}
{{- range $dir := splitList "\n" (include "workflow-migrator.processes.dirs" .) }}
{{- if index $.Values.processes.existingConfigMaps $dir }}
- name: processes-{{ $dir }}
  mountPath: {{ printf "%s/%s" $.Values.processes.configDir $dir }}
  readOnly: true
{{- end }}
{{- end }}
{{- end }}
{{- if include "workflow-migrator.auth.enabled" . }}
- name: auth
  mountPath: {{ include "workflow-migrator.auth.dir" . }}
  readOnly: true
{{- end }}
{{- end }}

{{/*
Environment of the migrator container. Credentials are files, not variables.
*/}}
{{- define "workflow-migrator.env" -}}
- name: CONDUCTOR_BASE_URL
  value: {{ include "common.conductor.baseUrl" . | quote }}
- name: APP_ENV
  value: {{ default .Release.Namespace .Values.appEnv | quote }}
{{- if include "workflow-migrator.auth.enabled" . }}
- name: CONDUCTOR_SECRETS_DIR
  value: {{ include "workflow-migrator.auth.dir" . | quote }}
{{- end }}
{{- with .Values.extraEnvVars }}
{{ tpl (toYaml .) $ }}
{{- end }}
{{- end }}

{{/*
The pod spec shared by the Job, the drift CronJob and the test pod.
Usage: include "workflow-migrator.podSpec" (dict "args" $list "context" $ ["serviceAccountName" $name])
*/}}
{{- define "workflow-migrator.podSpec" -}}
{{- $ := .context -}}
{{- include "common.pods.spec" (dict "serviceAccountName" .serviceAccountName "restartPolicy" "Never" "context" $) }}
containers:
  - name: workflow-migrator
    image: {{ include "common.images.main" $ }}
    imagePullPolicy: {{ $.Values.image.pullPolicy }}
    command: ["workflow-migrator"]
    args:
      {{- toYaml .args | nindent 6 }}
    {{- with include "common.securityContext.render" $.Values.containerSecurityContext }}
    securityContext:
      {{- . | nindent 6 }}
    {{- end }}
    env:
      {{- include "workflow-migrator.env" $ | nindent 6 }}
    {{- with $.Values.resources }}
    resources:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    volumeMounts:
      {{- include "workflow-migrator.volumeMounts" $ | nindent 6 }}
volumes:
  {{- include "workflow-migrator.volumes" $ | nindent 2 }}
{{- end }}

{{/*
Checkov skips of the migrator pods: those of its image (the test pod adds its own first).
Usage: include "workflow-migrator.checkovSkips" (dict "skips" $list "context" $)
       include "workflow-migrator.checkovSkips" .
*/}}
{{- define "workflow-migrator.checkovSkips" -}}
{{- $context := .context | default . }}
{{- include "common.checkov.skips" (dict "skips" (.skips | default list)
  "images" (list (dict "path" "image" "image" $context.Values.image))) }}
{{- end }}

{{/*
The migrator's values checks (common.validateValues.collect fails with every message at
once). The migrator takes a base URL with a path (a server behind a path prefix, or one
ending in /api).
*/}}
{{- define "workflow-migrator.validateValues" -}}
{{- include "common.validateValues.collect" (dict "checks" (list
  (dict "check" "common.validateValues.conductorBaseUrl")
  "workflow-migrator.validateValues.deadline"
  "workflow-migrator.validateValues.processes"
  "workflow-migrator.validateValues.drift") "context" .) -}}
{{- end -}}

{{- define "workflow-migrator.validateValues.deadline" -}}
{{- if le (int .Values.job.activeDeadlineSeconds) (int .Values.waitTimeoutSeconds) }}
workflow-migrator: job.activeDeadlineSeconds
    job.activeDeadlineSeconds ({{ .Values.job.activeDeadlineSeconds }}) must be longer than
    waitTimeoutSeconds ({{ .Values.waitTimeoutSeconds }}), or the Job is killed while the
    migrator still waits for the server.
{{- end }}
{{- end -}}

{{- define "workflow-migrator.validateValues.processes" -}}
{{- $p := .Values.processes -}}
{{- if and (eq $p.source "values") (not $p.tasks) (not $p.workflows) }}
workflow-migrator: processes.tasks
    processes.source is "values" but processes.tasks and processes.workflows are empty:
    the migrator would deploy nothing. Add definitions, or use source "image".
{{- end }}
{{- if and (eq $p.source "existingConfigMaps") (or (not $p.existingConfigMaps.tasks) (not $p.existingConfigMaps.workflows)) }}
workflow-migrator: processes.existingConfigMaps
    processes.source is "existingConfigMaps": set both processes.existingConfigMaps.tasks
    and processes.existingConfigMaps.workflows (environments is optional).
{{- end }}
{{- end -}}

{{- define "workflow-migrator.validateValues.drift" -}}
{{- $d := .Values.drift -}}
{{- if and $d.enabled (le (int $d.activeDeadlineSeconds) (int $d.waitTimeoutSeconds)) }}
workflow-migrator: drift.activeDeadlineSeconds
    drift.activeDeadlineSeconds ({{ $d.activeDeadlineSeconds }}) must be longer than
    drift.waitTimeoutSeconds ({{ $d.waitTimeoutSeconds }}), or a check is killed while it
    still waits for the server.
{{- end }}
{{- end -}}
