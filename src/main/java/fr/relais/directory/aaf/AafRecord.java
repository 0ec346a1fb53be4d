package fr.relais.directory.aaf;

import java.util.List;
import java.util.Map;

/**
 * One {@code addRequest}, {@code modifyRequest} or {@code deleteRequest} of an AAF file, as read: nothing is
 * resolved or checked yet. {@code attributes} keeps the file's order; empty values ({@code <value/>}) are kept.
 *
 * @param category {@code Eleve}, {@code PersEducNat}, {@code PersRelEleve}, {@code EtabEducNat} or what the
 *                 file says; null when absent
 * @param id       {@code identifier/id}, the jointure; null when absent
 * @param line     line of the record's start tag, for reports
 */
public record AafRecord(Operation operation, String category, String id, Map<String, List<String>> attributes,
                        int line) {

    public enum Operation { ADD, MODIFY, DELETE }

    /** Where a report names this record: its id, or its line when it has none. */
    public String reference() {
        return id != null && !id.isBlank() ? id : "ligne " + line;
    }
}
