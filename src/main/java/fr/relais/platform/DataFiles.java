package fr.relais.platform;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The one way Relais writes into its data directory, which holds secrets (pairwise secret, keys and their
 * passwords, the admin password) and personal data (the directory snapshot, the database, AAF files):
 * directories {@code rwx------}, files {@code rw-------}, whatever the process umask. Files are created with
 * their permissions (never written first and restricted afterwards) and replaced atomically, so that no reader
 * ever sees a half-written secret or a moment where it was readable by others.
 */
public final class DataFiles {

    static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    /** Writes into an output stream that {@link #writePrivately} replaces the target with. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private DataFiles() {
    }

    /**
     * Creates {@code dir} {@code rwx------}; an existing one is restricted to that. Its missing parents are made
     * with the usual permissions: they are not Relais' to close (a data directory under {@code target/it/} must
     * not make {@code target/it/} unreadable to the test peers that run as another user).
     */
    public static Path privateDirectory(Path dir) {
        try {
            Path absolute = dir.toAbsolutePath().normalize();
            if (!POSIX) {
                return Files.createDirectories(absolute);
            }
            if (absolute.getParent() != null) {
                Files.createDirectories(absolute.getParent());
            }
            try {
                // created with its permissions (the umask can only remove bits from rwx------)
                Files.createDirectory(absolute, attribute(DIRECTORY));
            } catch (java.nio.file.FileAlreadyExistsException exists) {
                // made earlier, or by another thread: restricted below
            }
            restrict(absolute, DIRECTORY);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the private directory " + dir, e);
        }
    }

    /** Replaces {@code file} with {@code bytes}, readable by Relais' user only. */
    public static void writeSecret(Path file, byte[] bytes) {
        writePrivately(file, out -> out.write(bytes));
    }

    /**
     * Replaces {@code file} with what {@code content} writes: a temporary file created {@code rw-------} next to
     * it, then moved over it atomically.
     */
    public static void writePrivately(Path file, Content content) {
        Path dir = file.toAbsolutePath().normalize().getParent();
        privateDirectory(dir);
        Path tmp = null;
        try {
            tmp = POSIX ? Files.createTempFile(dir, "." + file.getFileName(), ".tmp", attribute(FILE))
                    : Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                content.writeTo(out);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the move succeeded or the write failed first: nothing more to tidy
                }
            }
        }
    }

    /** A new file (or an existing one emptied), created {@code rw-------}, for large content written as a stream. */
    public static OutputStream newPrivateFile(Path file) throws IOException {
        privateDirectory(file.toAbsolutePath().normalize().getParent());
        Set<StandardOpenOption> options = EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        OutputStream out = POSIX
                ? Channels.newOutputStream(Files.newByteChannel(file, options, attribute(FILE)))
                : Files.newOutputStream(file);
        restrict(file, FILE);
        return out;
    }

    /**
     * Restricts everything under {@code root} (itself included) to Relais' user: the check that does not depend
     * on the umask, for what the embedded database and broker create with default permissions and for a data
     * directory copied from elsewhere. Answers how many entries were restricted.
     */
    public static int restrictTree(Path root) {
        if (!POSIX || !Files.exists(root)) {
            return 0;
        }
        AtomicInteger changed = new AtomicInteger();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.forEach(path -> {
                if (Files.isSymbolicLink(path)) {
                    return;
                }
                if (restrict(path, Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) ? DIRECTORY : FILE)) {
                    changed.incrementAndGet();
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restrict the permissions under " + root, e);
        } catch (UncheckedIOException e) {
            // a file removed while walking (a broker journal file, a temporary file) is no longer a concern
            if (!(e.getCause() instanceof java.nio.file.NoSuchFileException)) {
                throw e;
            }
        }
        return changed.get();
    }

    /** Group and others lose every right; the owner keeps what the kind of entry needs. */
    private static boolean restrict(Path path, Set<PosixFilePermission> wanted) {
        if (!POSIX) {
            return false;
        }
        try {
            Set<PosixFilePermission> current = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
            if (current.equals(wanted)) {
                return false;
            }
            Files.setPosixFilePermissions(path, wanted);
            return true;
        } catch (java.nio.file.NoSuchFileException gone) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restrict the permissions of " + path, e);
        }
    }

    private static FileAttribute<Set<PosixFilePermission>> attribute(Set<PosixFilePermission> permissions) {
        return PosixFilePermissions.asFileAttribute(permissions);
    }
}
