package fr.relais.connector;

import java.util.Arrays;
import java.util.Optional;

/** What a connected system is for a school. The folder of its descriptor must agree with it. */
public enum ConnectorKind {
    ENT("ent", "ent"),
    IDENTITY("identity", "ent"),
    TOOL("tool", "tools"),
    PUBLISHER("publisher", "publishers");

    private final String id;
    private final String folder;

    ConnectorKind(String id, String folder) {
        this.id = id;
        this.folder = folder;
    }

    @com.fasterxml.jackson.annotation.JsonValue
    public String id() {
        return id;
    }

    /** What an administrator reads (the console is in French). */
    public String label() {
        return switch (this) {
            case ENT -> "ENT";
            case IDENTITY -> "service d'identité";
            case TOOL -> "outil";
            case PUBLISHER -> "éditeur";
        };
    }

    /** The folder under {@code connectors/} where descriptors of this kind live. */
    public String folder() {
        return folder;
    }

    public static Optional<ConnectorKind> fromId(String id) {
        return Arrays.stream(values()).filter(k -> k.id.equals(id)).findFirst();
    }
}
