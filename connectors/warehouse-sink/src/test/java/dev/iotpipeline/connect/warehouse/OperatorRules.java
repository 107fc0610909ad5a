package dev.iotpipeline.connect.warehouse;

import dev.iotpipeline.schemas.canonical.EnvReading;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** A rule an operator adds to the warehouse that the sinks cannot know, so PostgreSQL refuses rows the row check admits. */
final class OperatorRules {

    private OperatorRules() {
    }

    /** Creates {@code iot.env_readings} as the sink would, with the contract's temperature range as a CHECK. */
    static void temperatureCheck(Connection sql) throws SQLException {
        try (Statement ddl = sql.createStatement()) {
            for (String statement : TableDefinitions.create("iot", "env_readings", EnvReading.getClassSchema())) {
                ddl.execute(statement);
            }
            ddl.execute("ALTER TABLE iot.env_readings ADD CONSTRAINT temperature_physical "
                    + "CHECK (temperature_c IS NULL OR temperature_c BETWEEN -80 AND 150)");
        }
    }
}
