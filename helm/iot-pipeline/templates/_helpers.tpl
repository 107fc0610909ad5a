{{/* Chart name, overridable. */}}
{{- define "iot.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Resource name prefix: <release>-<chart>, or the release alone when it already contains the chart name. */}}
{{- define "iot.fullname" -}}
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

{{/* Name of a component's resources, e.g. (dict "root" $ "component" "bridge") -> <fullname>-bridge. */}}
{{- define "iot.componentName" -}}
{{- printf "%s-%s" (include "iot.fullname" .root | trunc 50 | trimSuffix "-") .component }}
{{- end }}

{{/* Common labels; call with (dict "root" $ "component" "bridge"). */}}
{{- define "iot.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: iot-pipeline
{{ include "iot.selectorLabels" . }}
{{- end }}

{{/* Selector labels; call with (dict "root" $ "component" "bridge"). */}}
{{- define "iot.selectorLabels" -}}
app.kubernetes.io/name: {{ include "iot.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Image reference; call with (dict "root" $ "image" .Values.bridge.image). */}}
{{- define "iot.image" -}}
{{ .image.repository }}:{{ default .root.Chart.AppVersion .image.tag }}
{{- end }}

{{/* Pod annotations: Prometheus scrape annotations (when enabled) and extra ones; call with
(dict "root" $ "port" 8091 "extra" .Values.bridge.podAnnotations "checksum" "<sha>"). */}}
{{- define "iot.podAnnotations" -}}
{{- $a := deepCopy (default (dict) .extra) }}
{{- if and .port .root.Values.metrics.podAnnotations }}
{{- $_ := set $a "prometheus.io/scrape" "true" }}
{{- $_ := set $a "prometheus.io/port" (toString .port) }}
{{- $_ := set $a "prometheus.io/path" "/metrics" }}
{{- end }}
{{- if .checksum }}
{{- $_ := set $a "checksum/config" .checksum }}
{{- end }}
{{- if $a }}
{{- toYaml $a }}
{{- else }}
{}
{{- end }}
{{- end }}

{{/* Environment variable name of a component config key: prefix + key upper-cased, dots and
dashes as underscores (BridgeConfig.envName, StreamsAppConfig.envName). */}}
{{- define "iot.envName" -}}
{{- printf "%s%s" .prefix (regexReplaceAll "[.-]" .key "_" | upper) }}
{{- end }}

{{/* A component's free-form config map as env entries; call with (dict "prefix" "IOT_BRIDGE_" "config" .Values.bridge.config). */}}
{{- define "iot.configEnv" -}}
{{- range $key, $value := .config }}
- name: {{ include "iot.envName" (dict "prefix" $.prefix "key" $key) }}
  value: {{ include "iot.string" $value | quote }}
{{- end }}
{{- end }}

{{/* A value as a string; whole numbers without exponent (Helm reads YAML numbers as float64,
which would print 67108864 as 6.7108864e+07). */}}
{{- define "iot.string" -}}
{{- if and (kindIs "float64" .) (eq (floor .) .) }}{{ int64 . }}{{ else }}{{ . }}{{ end }}
{{- end }}

{{- define "iot.saslEnabled" -}}
{{- if hasPrefix "SASL_" .Values.kafka.securityProtocol }}true{{ end }}
{{- end }}

{{/*
Kafka client security settings as environment variables with the component's prefix, in its
kafka.* passthrough form (IOT_STREAMS_KAFKA_SECURITY_PROTOCOL -> kafka.security.protocol).
Call with (dict "root" $ "prefix" "IOT_STREAMS_").
*/}}
{{- define "iot.kafkaSecurityEnv" -}}
{{- $k := .root.Values.kafka }}
- name: {{ .prefix }}KAFKA_SECURITY_PROTOCOL
  value: {{ $k.securityProtocol | quote }}
{{- if include "iot.saslEnabled" .root }}
- name: {{ .prefix }}KAFKA_SASL_MECHANISM
  value: {{ $k.sasl.mechanism | quote }}
- name: {{ .prefix }}KAFKA_SASL_JAAS_CONFIG
  valueFrom:
    secretKeyRef:
      name: {{ $k.sasl.existingSecret }}
      key: {{ $k.sasl.jaasConfigKey }}
{{- end }}
{{- if $k.tls.caSecret }}
- name: {{ .prefix }}KAFKA_SSL_TRUSTSTORE_TYPE
  value: PEM
- name: {{ .prefix }}KAFKA_SSL_TRUSTSTORE_LOCATION
  value: {{ printf "/etc/iot/kafka-ca/%s" $k.tls.caKey | quote }}
{{- end }}
{{- end }}

{{/* The Kafka CA volume mount, if any; call with (dict "root" $ "dir" "/etc/iot"). */}}
{{- define "iot.kafkaCaMount" -}}
{{- if .root.Values.kafka.tls.caSecret }}
- name: kafka-ca
  mountPath: {{ .dir }}/kafka-ca
  readOnly: true
{{- end }}
{{- end }}

{{/* The Kafka CA volume, if any. */}}
{{- define "iot.kafkaCaVolume" -}}
{{- if .Values.kafka.tls.caSecret }}
- name: kafka-ca
  secret:
    secretName: {{ .Values.kafka.tls.caSecret }}
{{- end }}
{{- end }}

{{/* The writable /tmp of every container (the root file system is read-only). */}}
{{- define "iot.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
{{- end }}

{{/* Fails rendering on combinations the schema cannot express. */}}
{{- define "iot.validate" -}}
{{- $v := .Values }}
{{- if and (include "iot.saslEnabled" .) (not $v.kafka.sasl.existingSecret) (not (and $v.connect.enabled (eq $v.connect.mode "strimzi"))) }}
{{- fail "kafka.sasl.existingSecret is required when kafka.securityProtocol is SASL_PLAINTEXT or SASL_SSL" }}
{{- end }}
{{- if and $v.bridge.enabled (ne $v.bridge.tls.clientAuth "none") (not $v.bridge.tls.existingSecret) }}
{{- fail "bridge.tls.clientAuth needs bridge.tls.existingSecret (client certificates are checked on the TLS listeners only)" }}
{{- end }}
{{- if and $v.bridge.enabled (ne $v.bridge.tls.clientAuth "none") (not $v.bridge.tls.caSecret) }}
{{- fail "bridge.tls.clientAuth request/required needs bridge.tls.caSecret (the CA that signs device certificates)" }}
{{- end }}
{{- if and $v.connect.enabled $v.warehouse.enabled (not $v.warehouse.existingSecret) (not $v.warehouse.password) }}
{{- fail "warehouse.existingSecret (or warehouse.password) is required for the warehouse sink" }}
{{- end }}
{{- if and $v.connect.enabled $v.lake.enabled (eq $v.lake.storage "volume") (not $v.lake.volume.existingClaim) }}
{{- fail "lake.volume.existingClaim is required when lake.storage is volume" }}
{{- end }}
{{- if and $v.connect.enabled (eq $v.connect.mode "strimzi") (include "iot.saslEnabled" .) (eq $v.connect.strimzi.authentication.type "none") }}
{{- fail "connect.strimzi.authentication is required when kafka.securityProtocol is SASL_* and connect.mode is strimzi" }}
{{- end }}
{{- end }}

{{/* Where the Connect workers see secrets (Strimzi allows additional volumes under /mnt only). */}}
{{- define "iot.connectSecretsDir" -}}/mnt/iot{{- end }}

{{/* Name of the Secret holding the warehouse password. */}}
{{- define "iot.warehouseSecret" -}}
{{- default (include "iot.componentName" (dict "root" . "component" "warehouse")) .Values.warehouse.existingSecret }}
{{- end }}

{{/* Topics the sinks read: the micro-batch topics (MeasurementFamily.batchTopic). */}}
{{- define "iot.batchTopics" -}}iot.batch.env_reading,iot.batch.position{{- end }}

{{/* Connector configs as a dict name -> config dict (secrets are ${directory:...} references,
resolved by the workers' DirectoryConfigProvider). */}}
{{- define "iot.connectorConfigs" -}}
{{- $v := .Values }}
{{- $dir := include "iot.connectSecretsDir" . }}
{{- $out := dict }}
{{- if $v.warehouse.enabled }}
{{- $c := dict
  "connector.class" "dev.iotpipeline.connect.warehouse.WarehouseSinkConnector"
  "tasks.max" (toString $v.warehouse.tasksMax)
  "topics" (include "iot.batchTopics" .)
  "key.converter" "org.apache.kafka.connect.storage.StringConverter"
  "value.converter" "org.apache.kafka.connect.converters.ByteArrayConverter"
  "consumer.override.isolation.level" "read_committed"
  "consumer.override.max.partition.fetch.bytes" "8388608"
  "connection.url" $v.warehouse.jdbcUrl
  "connection.user" $v.warehouse.user
  "connection.password" (printf "${directory:%s/warehouse:%s}" $dir $v.warehouse.passwordKey)
  "db.schema" $v.warehouse.dbSchema
  "schema.registry.url" $v.schemaRegistry.url
}}
{{- if $v.schemaRegistry.basicAuth.existingSecret }}
{{- $_ := set $c "schema.registry.basic.auth.user.info" (printf "${directory:%s/schema-registry:%s}" $dir $v.schemaRegistry.basicAuth.key) }}
{{- end }}
{{- range $table, $days := $v.warehouse.retentionDays }}
{{- $_ := set $c (printf "retention.%s.days" $table) (toString $days) }}
{{- end }}
{{- include "iot.errorConfig" (dict "config" $c "topic" $v.warehouse.deadLetterTopic "rf" $v.kafka.topics.replicationFactor) }}
{{- $_ := set $out $v.warehouse.name (merge $c (include "iot.stringMap" $v.warehouse.extraConfig | fromJson)) }}
{{- end }}
{{- if $v.lake.enabled }}
{{- $c := include "iot.lakeConfig" . | fromJson }}
{{- include "iot.errorConfig" (dict "config" $c "topic" $v.lake.deadLetterTopic "rf" $v.kafka.topics.replicationFactor) }}
{{- $_ := set $out $v.lake.name (merge $c (include "iot.stringMap" $v.lake.extraConfig | fromJson)) }}
{{- end }}
{{- toJson $out }}
{{- end }}

{{/* A map with every value as a string (Connect configs are string maps), as JSON. */}}
{{- define "iot.stringMap" -}}
{{- $out := dict }}
{{- range $k, $val := . }}
{{- $_ := set $out $k (include "iot.string" $val) }}
{{- end }}
{{- toJson $out }}
{{- end }}

{{/* The lake sink's config (LakeSinkConfig), as JSON. */}}
{{- define "iot.lakeConfig" -}}
{{- $v := .Values }}
{{- $dir := include "iot.connectSecretsDir" . }}
{{- $c := dict
  "connector.class" "dev.iotpipeline.connect.lake.LakeSinkConnector"
  "tasks.max" (toString $v.lake.tasksMax)
  "topics" (include "iot.batchTopics" .)
  "key.converter" "org.apache.kafka.connect.storage.StringConverter"
  "value.converter" "org.apache.kafka.connect.converters.ByteArrayConverter"
  "consumer.override.isolation.level" "read_committed"
  "consumer.override.max.partition.fetch.bytes" "8388608"
  "schema.registry.url" $v.schemaRegistry.url
  "retention.days" (toString $v.lake.retentionDays)
}}
{{- if $v.schemaRegistry.basicAuth.existingSecret }}
{{- $_ := set $c "schema.registry.basic.auth.user.info" (printf "${directory:%s/schema-registry:%s}" $dir $v.schemaRegistry.basicAuth.key) }}
{{- end }}
{{- if eq $v.lake.storage "s3" }}
{{- $_ := set $c "lake.storage" "s3" }}
{{- $_ := set $c "s3.bucket" $v.lake.s3.bucket }}
{{- $_ := set $c "s3.prefix" $v.lake.s3.prefix }}
{{- $_ := set $c "s3.region" $v.lake.s3.region }}
{{- if $v.lake.s3.endpoint }}
{{- $_ := set $c "s3.endpoint" $v.lake.s3.endpoint }}
{{- end }}
{{- $_ := set $c "s3.path.style.access" (toString $v.lake.s3.pathStyle) }}
{{- $_ := set $c "s3.spool.dir" "/var/tmp/iot-lake-spool" }}
{{- else }}
{{- $_ := set $c "lake.storage" "local" }}
{{- $_ := set $c "lake.local.dir" $v.lake.volume.mountPath }}
{{- end }}
{{- toJson $c }}
{{- end }}

{{/* Adds errors.* settings to .config when a dead-letter topic is set. */}}
{{- define "iot.errorConfig" -}}
{{- if .topic }}
{{- $_ := set .config "errors.tolerance" "all" }}
{{- $_ := set .config "errors.deadletterqueue.topic.name" .topic }}
{{- $_ := set .config "errors.deadletterqueue.topic.replication.factor" (toString .rf) }}
{{- $_ := set .config "errors.deadletterqueue.context.headers.enable" "true" }}
{{- $_ := set .config "errors.log.enable" "true" }}
{{- end }}
{{- end }}

{{/* Secret volumes of the Connect workers (both modes). */}}
{{- define "iot.connectSecretVolumes" -}}
{{- $v := .Values }}
{{- if $v.warehouse.enabled }}
- name: warehouse
  secret:
    secretName: {{ include "iot.warehouseSecret" . }}
    items:
      - key: {{ $v.warehouse.passwordKey }}
        path: {{ $v.warehouse.passwordKey }}
{{- end }}
{{- if $v.schemaRegistry.basicAuth.existingSecret }}
- name: schema-registry
  secret:
    secretName: {{ $v.schemaRegistry.basicAuth.existingSecret }}
    items:
      - key: {{ $v.schemaRegistry.basicAuth.key }}
        path: {{ $v.schemaRegistry.basicAuth.key }}
{{- end }}
{{- if and (include "iot.saslEnabled" .) (eq $v.connect.mode "distributed") }}
- name: kafka-sasl
  secret:
    secretName: {{ $v.kafka.sasl.existingSecret }}
    items:
      - key: {{ $v.kafka.sasl.jaasConfigKey }}
        path: jaas
{{- end }}
{{- if and $v.kafka.tls.caSecret (eq $v.connect.mode "distributed") }}
- name: kafka-ca
  secret:
    secretName: {{ $v.kafka.tls.caSecret }}
{{- end }}
{{- if and $v.lake.enabled (eq $v.lake.storage "volume") }}
- name: lake
  persistentVolumeClaim:
    claimName: {{ $v.lake.volume.existingClaim }}
{{- end }}
{{- if and $v.lake.enabled (eq $v.lake.storage "s3") }}
# Files are written here before their upload (s3.spool.dir).
- name: lake-spool
  emptyDir:
    sizeLimit: {{ $v.lake.s3.spoolSizeLimit }}
{{- end }}
{{- end }}

{{/* Secret volume mounts of the Connect workers (both modes). */}}
{{- define "iot.connectSecretMounts" -}}
{{- $v := .Values }}
{{- $dir := include "iot.connectSecretsDir" . }}
{{- if $v.warehouse.enabled }}
- name: warehouse
  mountPath: {{ $dir }}/warehouse
  readOnly: true
{{- end }}
{{- if $v.schemaRegistry.basicAuth.existingSecret }}
- name: schema-registry
  mountPath: {{ $dir }}/schema-registry
  readOnly: true
{{- end }}
{{- if and (include "iot.saslEnabled" .) (eq $v.connect.mode "distributed") }}
- name: kafka-sasl
  mountPath: {{ $dir }}/kafka-sasl
  readOnly: true
{{- end }}
{{- if and $v.kafka.tls.caSecret (eq $v.connect.mode "distributed") }}
- name: kafka-ca
  mountPath: {{ $dir }}/kafka-ca
  readOnly: true
{{- end }}
{{- if and $v.lake.enabled (eq $v.lake.storage "volume") }}
- name: lake
  mountPath: {{ $v.lake.volume.mountPath }}
{{- end }}
{{- if and $v.lake.enabled (eq $v.lake.storage "s3") }}
- name: lake-spool
  mountPath: /var/tmp/iot-lake-spool
{{- end }}
{{- end }}
