package io.totesys.pipeline.starschema;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * Writes a star schema table's records straight into Parquet's column writers, each field by
 * its position with a writer chosen once per column, instead of parquet-avro's
 * {@code AvroWriteSupport}, which looks up each value's schema, union branch and conversion
 * for every value of every record. The file is the one parquet-avro writes: the same Parquet
 * schema (parquet-avro's own conversion of the table's Avro schema), the same logical types,
 * and the same footer metadata ({@code parquet.avro.schema}, {@code writer.model.name} =
 * {@code avro}), so that the load stage and any Parquet reader read it as before; a fact's
 * footer also says when its rows were last updated ({@link LastUpdatedRange}).
 * <p>
 * It takes the star schema's own Avro types only, as {@link WarehouseColumnType} makes them:
 * {@code int} (integers, dates, times), {@code boolean}, {@code string}, {@code fixed}
 * (decimals), each possibly in a union with {@code null}.
 */
final class StarSchemaWriteSupport extends WriteSupport<IndexedRecord> {

    /** The footer key parquet-avro keeps the Avro schema under, and its object model's name. */
    static final String AVRO_SCHEMA_KEY = "parquet.avro.schema";
    private static final String AVRO_MODEL = "avro";

    private final Schema schema;
    private final MessageType parquetSchema;
    private final FieldWriter[] writers;
    private final String[] names;
    private final boolean[] nullable;
    private final Optional<LastUpdatedRange.Tracker> lastUpdated;
    private RecordConsumer consumer;

    StarSchemaWriteSupport(Schema schema, Map<String, Integer> fieldIds, Configuration configuration) {
        this.schema = schema;
        this.parquetSchema = withFieldIds(new AvroSchemaConverter(configuration).convert(schema), fieldIds);
        List<Schema.Field> fields = schema.getFields();
        this.writers = new FieldWriter[fields.size()];
        this.names = new String[fields.size()];
        this.nullable = new boolean[fields.size()];
        this.lastUpdated = LastUpdatedRange.Tracker.of(schema);
        for (int index = 0; index < writers.length; index++) {
            Schema.Field field = fields.get(index);
            Schema type = field.schema();
            if (type.getType() == Schema.Type.UNION) {
                nullable[index] = true;
                type = nonNull(field, type);
            }
            names[index] = field.name();
            writers[index] = writer(field, type);
        }
    }

    @Override
    public String getName() {
        return AVRO_MODEL;
    }

    @Override
    public WriteContext init(Configuration configuration) {
        return new WriteContext(parquetSchema, Map.of(AVRO_SCHEMA_KEY, schema.toString()));
    }

    @Override
    public void prepareForWrite(RecordConsumer recordConsumer) {
        this.consumer = recordConsumer;
    }

    @Override
    public void write(IndexedRecord record) {
        consumer.startMessage();
        for (int index = 0; index < writers.length; index++) {
            Object value = record.get(index);
            if (value == null) {
                if (!nullable[index]) {
                    throw new IllegalArgumentException(schema.getName() + "." + names[index] + " is NOT NULL");
                }
                continue;
            }
            consumer.startField(names[index], index);
            writers[index].write(consumer, value);
            consumer.endField(names[index], index);
        }
        consumer.endMessage();
        if (lastUpdated.isPresent()) {
            lastUpdated.get().see(record);
        }
    }

    /** The footer's own entries: a fact's {@link LastUpdatedRange}. */
    @Override
    public FinalizedWriteContext finalizeWrite() {
        return new FinalizedWriteContext(lastUpdated.map(LastUpdatedRange.Tracker::metadata).orElse(Map.of()));
    }

    /** Writes one non-null value of a column. */
    @FunctionalInterface
    private interface FieldWriter {
        void write(RecordConsumer consumer, Object value);
    }

    private static FieldWriter writer(Schema.Field field, Schema type) {
        return switch (type.getType()) {
            case INT -> (consumer, value) -> consumer.addInteger((Integer) value);
            case BOOLEAN -> (consumer, value) -> consumer.addBoolean((Boolean) value);
            case STRING -> (consumer, value) -> consumer.addBinary(value instanceof String text
                    ? Binary.fromString(text)
                    : Binary.fromCharSequence((CharSequence) value));
            case FIXED -> (consumer, value) -> consumer.addBinary(
                    Binary.fromConstantByteArray(((GenericFixed) value).bytes()));
            default -> throw new IllegalArgumentException(
                    "the star schema has no column of the Avro type " + type + " (" + field.name() + ")");
        };
    }

    /**
     * parquet-avro's Parquet schema with a field id on each column that has one, as Iceberg's
     * readers find a file's columns by their ids.
     */
    private static MessageType withFieldIds(MessageType converted, Map<String, Integer> fieldIds) {
        if (fieldIds.isEmpty()) {
            return converted;
        }
        List<Type> fields = converted.getFields().stream()
                .map(field -> fieldIds.containsKey(field.getName()) ? field.withId(fieldIds.get(field.getName()))
                        : field)
                .toList();
        return new MessageType(converted.getName(), fields);
    }

    private static Schema nonNull(Schema.Field field, Schema union) {
        List<Schema> branches = union.getTypes();
        if (branches.size() != 2 || branches.get(0).getType() != Schema.Type.NULL) {
            throw new IllegalArgumentException("the star schema's nullable columns are unions of null and one type, "
                    + "not " + union + " (" + field.name() + ")");
        }
        return branches.get(1);
    }
}
