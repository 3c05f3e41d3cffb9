{{/*
Copyright the ol-workflow-orchestrator authors.
SPDX-License-Identifier: Apache-2.0
*/}}

{{/*
A pod or container securityContext from its values block: the block without its
`enabled` switch, or nothing when the block is disabled.
Usage: with include "common.securityContext.render" .Values.podSecurityContext
*/}}
{{- define "common.securityContext.render" -}}
{{- if .enabled }}
{{- omit . "enabled" | toYaml }}
{{- end }}
{{- end }}

{{/*
The fixed, hardened pod securityContext of a `helm test` pod (non-root, RuntimeDefault
seccomp); test pods have no values block of their own.
Usage: include "common.securityContext.testPod" .
*/}}
{{- define "common.securityContext.testPod" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
The fixed, hardened container securityContext of a `helm test` pod: non-root, read-only
root filesystem, no privilege escalation, every capability dropped.
Usage: include "common.securityContext.testContainer" .
*/}}
{{- define "common.securityContext.testContainer" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
privileged: false
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end }}
