{{- define "pg.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride -}}
{{- end -}}

{{/* The Secret holding the admin password: an existing one, or the chart's. */}}
{{- define "pg.secretName" -}}
{{- default (include "pg.fullname" .) .Values.auth.existingSecret -}}
{{- end -}}
