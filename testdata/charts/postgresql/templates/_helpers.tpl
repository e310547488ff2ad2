{{- define "pg.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride -}}
{{- end -}}
