package dev.iotpipeline.embedded;

import java.nio.file.Path;

/** A process that starts PostgreSQL and never stops it: killed, it leaves the server running, as a killed launcher does. */
public final class PostgresOwner {

    public static void main(String[] args) throws Exception {
        PostgresServer.start(Path.of(args[0]), Integer.parseInt(args[1]), Path.of(args[2]));
        System.out.println("up");
        System.out.flush();
        Thread.currentThread().join();
    }
}
