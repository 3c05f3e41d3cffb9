{{/*
Copyright the ol-workflow-orchestrator authors.
SPDX-License-Identifier: Apache-2.0
*/}}

{{/*
The pod's writable /tmp (its root filesystem is read-only): an emptyDir of
.Values.tmpDirSizeLimit.
Usage: include "common.volumes.tmp" .
*/}}
{{- define "common.volumes.tmp" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpDirSizeLimit }}
{{- end }}

{{/*
The mount of the pod's /tmp volume (common.volumes.tmp), for each of its containers.
Usage: include "common.volumes.tmpMount" .
*/}}
{{- define "common.volumes.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end }}
