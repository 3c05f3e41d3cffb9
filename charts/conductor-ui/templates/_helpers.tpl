{{/*
Copyright the ol-workflow-orchestrator authors.
SPDX-License-Identifier: Apache-2.0
*/}}

{{/*
Checkov skips for the UI pod, each with its reason.
*/}}
{{- define "conductor-ui.checkovSkips" -}}
{{- $exporter := .Values.metrics.exporter.image }}
{{- if or (not .Values.image.digest) (and .Values.metrics.enabled (not $exporter.digest)) }}
checkov.io/skip1: "CKV_K8S_43=Immutable version tag by default; set image.digest to pin by digest"
{{- end }}
{{- if or (ne .Values.image.pullPolicy "Always") (and .Values.metrics.enabled (ne $exporter.pullPolicy "Always")) }}
checkov.io/skip2: "CKV_K8S_15=Versioned (or digest-pinned) images do not change, so IfNotPresent is safe and avoids a registry round trip per start"
{{- end }}
{{- end }}

{{/*
Compile every values validation message; fail with all of them at once.
*/}}
{{- define "conductor-ui.validateValues" -}}
{{- $messages := list -}}
{{- $messages = append $messages (include "conductor-ui.validateValues.baseUrl" . | trim) -}}
{{- $messages = append $messages (include "common.validateValues.autoscaling" . | trim) -}}
{{- $messages = without $messages "" -}}
{{- $message := join "\n" $messages -}}
{{- if $message -}}
{{- printf "\nVALUES VALIDATION:\n%s" $message | fail -}}
{{- end -}}
{{- end -}}

{{- define "conductor-ui.validateValues.baseUrl" -}}
{{- $url := include "common.conductor.baseUrl" . -}}
{{- if not $url }}
conductor-ui: conductorBaseUrl
    The Conductor server's URL is required. Set conductorBaseUrl, e.g.
    http://conductor-server.conductor.svc.cluster.local:8080 (the umbrella chart
    conductor-stack sets it to its own server).
{{- else if not (regexMatch "^https?://([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:.]+\\])(:[0-9]{1,5})?$" $url) }}
conductor-ui: conductorBaseUrl
    conductorBaseUrl '{{ $url }}' is not an http(s)://host[:port] URL without a path.
    nginx passes /api/... to it as it is, so give the server's root URL.
{{- end }}
{{- end -}}
