{{/*
Copyright the ol-workflow-orchestrator authors.
SPDX-License-Identifier: Apache-2.0
*/}}

{{/*
The checkov checks a pod skips, as annotations (checkov.io/skipN: "<check>=<reason>"), so
the policy check reports each skip with its reason. A chart gives its own skips as data,
each (dict "check" $id "reason" $text ["when" $bool]), and the pod's images: the skips
every chart shares for its images (pinned by tag, pulled IfNotPresent) follow, with their
reasons stated here once. The Nth skip of the list is skipN whether or not the ones before
it apply ("when" false leaves it out), so a skip keeps its key as values change.
Usage: include "common.checkov.skips" (dict "skips" $list
         "images" (list (dict "path" "image" "image" .Values.image) …))
*/}}
{{- define "common.checkov.skips" -}}
{{- $undigested := list }}
{{- $notAlways := false }}
{{- range .images }}
{{- if not .image.digest }}{{ $undigested = append $undigested (printf "%s.digest" .path) }}{{ end }}
{{- if ne .image.pullPolicy "Always" }}{{ $notAlways = true }}{{ end }}
{{- end }}
{{- $skips := concat (.skips | default list) (list
  (dict "check" "CKV_K8S_43" "when" (not (empty $undigested))
        "reason" (printf "Immutable version tag by default; set %s to pin by digest" (join " and " $undigested)))
  (dict "check" "CKV_K8S_15" "when" $notAlways
        "reason" "Versioned (or digest-pinned) images do not change, so IfNotPresent is safe and avoids a registry round trip per start")) }}
{{- $lines := list }}
{{- range $index, $skip := $skips }}
{{- if or (not (hasKey $skip "when")) $skip.when }}
{{- $lines = append $lines (printf "checkov.io/skip%d: %s" (add1 $index) (printf "%s=%s" $skip.check $skip.reason | quote)) }}
{{- end }}
{{- end }}
{{- join "\n" $lines }}
{{- end }}
