package fr.relais.directory;

/**
 * An AAF file was imported into the directory (published once the import completed): what waits for a school,
 * a class or a group of the directory can look again. Listeners must not throw: the import is done.
 *
 * @param file   the file's name as the import history shows it
 * @param source {@code inbox} or {@code api}
 */
public record DirectoryImported(String file, String source) {
}
