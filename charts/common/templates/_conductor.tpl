{{/*
Copyright the ol-workflow-orchestrator authors.
SPDX-License-Identifier: Apache-2.0
*/}}

{{/*
The Conductor server's base URL from .Values.conductorBaseUrl (a template string is
rendered, so the umbrella chart can point it at its own server), without a trailing slash.
Usage: include "common.conductor.baseUrl" .
*/}}
{{- define "common.conductor.baseUrl" -}}
{{- tpl (toString .Values.conductorBaseUrl) . | trimSuffix "/" }}
{{- end }}

{{/*
What a Conductor base URL must look like, stated once for every chart that takes one: the
regular expression of a server's root, http(s)://host[:port], without the closing "$" so
that a chart may allow a path after it. The host is a DNS name (labels of letters, digits
and inner hyphens) or a bracketed IPv6 address, never user:password@ (credentials belong in
Secrets, not in a URL that is an environment variable); the port is 1 to 65535, as the
migrator itself requires.
Usage: include "common.conductor.baseUrlPattern" .
*/}}
{{- define "common.conductor.baseUrlPattern" -}}
{{- $label := "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?" -}}
{{- $port := "(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})" -}}
{{- printf "^https?://(%s(\\.%s)*|\\[[0-9A-Fa-f:.]+\\])(:%s)?" $label $label $port -}}
{{- end }}

{{/*
The values check of conductorBaseUrl (see common.validateValues.collect): required, and an
http(s)://host[:port] URL, optionally followed by a path. A chart whose consumer cannot
take a path gives the reason as "pathRefused". A URL quoted back in a message has any
user:password@ masked.
Usage: as a check of common.validateValues.collect,
       (dict "check" "common.validateValues.conductorBaseUrl" ["pathRefused" $reason])
*/}}
{{- define "common.validateValues.conductorBaseUrl" -}}
{{- $url := include "common.conductor.baseUrl" .context -}}
{{- $root := include "common.conductor.baseUrlPattern" .context -}}
{{- $shown := regexReplaceAll "//[^/@\\s]*@" $url "//***@" -}}
{{- if not $url }}
{{ .context.Chart.Name }}: conductorBaseUrl
    The Conductor server's URL is required. Set conductorBaseUrl, e.g.
    http://conductor-server.conductor.svc.cluster.local:8080 (the umbrella chart
    conductor-stack sets it to its own server).
{{- else if not (regexMatch (printf "%s(/[^\\s]*)?$" $root) $url) }}
{{ .context.Chart.Name }}: conductorBaseUrl
    conductorBaseUrl '{{ $shown }}' is not an http(s)://host[:port] URL: a scheme, a
    host name or [IPv6] address (no user:password@), and a port from 1 to 65535 if any.
{{- else if and .pathRefused (not (regexMatch (printf "%s$" $root) $url)) }}
{{ .context.Chart.Name }}: conductorBaseUrl
    conductorBaseUrl '{{ $shown }}' is not an http(s)://host[:port] URL without a path.
    {{ .pathRefused }}, so give the server's root URL.
{{- end }}
{{- end -}}
