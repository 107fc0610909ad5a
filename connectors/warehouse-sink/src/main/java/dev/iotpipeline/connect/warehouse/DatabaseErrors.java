package dev.iotpipeline.connect.warehouse;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;

/**
 * What a database error means for the batch: transient (the database will likely succeed later
 * with the same data: retry the whole batch) or a refusal of some row's data (isolate the row).
 */
public final class DatabaseErrors {

    private DatabaseErrors() {
    }

    public static boolean isTransient(SQLException error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLTransientException || cause instanceof SQLRecoverableException) {
                return true;
            }
            if (cause instanceof SQLException sql && sql.getSQLState() != null && isTransientState(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /**
     * 08: connection exceptions; 53: insufficient resources; 57P01-57P03: admin shutdown, crash
     * shutdown, cannot connect now; 40001/40P01: serialization failure, deadlock; 55P03: lock not
     * available; 58: system errors (I/O).
     */
    static boolean isTransientState(String state) {
        return state.startsWith("08") || state.startsWith("53") || state.startsWith("58") || state.equals("57P01")
                || state.equals("57P02") || state.equals("57P03") || state.equals("40001") || state.equals("40P01")
                || state.equals("55P03");
    }

    /**
     * The database refused a value: class 22 (data exception: invalid text, out of range), class
     * 23 (integrity constraint: a CHECK or NOT NULL an operator added) or 54000 (a value too large
     * for an index entry). Retrying the same row can never succeed; the other rows can.
     */
    public static boolean isDataError(SQLException error) {
        String state = error.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("23") || state.equals("54000"));
    }
}
