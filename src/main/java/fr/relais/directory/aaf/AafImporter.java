package fr.relais.directory.aaf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

import javax.naming.directory.SearchControls;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.ldap.NameAlreadyBoundException;
import org.springframework.ldap.NamingException;
import org.springframework.ldap.filter.AndFilter;
import org.springframework.ldap.filter.EqualsFilter;
import org.springframework.stereotype.Component;

import fr.relais.directory.DirectoryProperties;
import fr.relais.directory.DirectoryStore;
import fr.relais.directory.SdetEntry;
import fr.relais.directory.aaf.AafMapper.StructureRef;
import fr.relais.directory.ldap.EmbeddedLdapServer;

/**
 * Applies AAF files to the SDET directory. A file is read twice, streaming: first to check it is whole and
 * well-formed (a truncated or badly encoded file changes nothing), then to apply it record by record.
 * Re-importing the same file changes nothing. One import runs at a time.
 */
@Component
public class AafImporter {

    private static final Logger log = LoggerFactory.getLogger(AafImporter.class);
    private static final List<String> STRUCTURE_ATTRIBUTES = List.of("objectClass", "ou", "ENTStructureJointure",
            "ENTStructureUAI", "ENTStructureNomCourant", "ENTStructureTypeStruct", "ENTStructureSIREN", "ENTServAcAcademie");
    private static final List<String> MEMBERSHIP = List.of("ENTEleveClasses", "ENTEleveGroupes", "ENTAuxEnsClasses",
            "ENTAuxEnsGroupes");
    private static final Map<String, String> CANONICAL = new HashMap<>();

    static {
        AafMapper.PERSON_ATTRIBUTES.forEach(a -> CANONICAL.put(a.toLowerCase(Locale.ROOT), a));
        STRUCTURE_ATTRIBUTES.forEach(a -> CANONICAL.put(a.toLowerCase(Locale.ROOT), a));
        List.of("cn", "member", "description", "ENTGroupeCode", "ENTGroupeStructRattach")
                .forEach(a -> CANONICAL.put(a.toLowerCase(Locale.ROOT), a));
    }

    private final DirectoryStore store;
    private final AafMapper mapper;
    private final ImportHistory history;
    private final ObjectProvider<EmbeddedLdapServer> embedded;
    private final Pattern fullFile;
    private final double maxRemovalShare;
    private final ReentrantLock oneAtATime = new ReentrantLock(true);
    private final int workers;
    private static final AtomicInteger WORKER_IDS = new AtomicInteger();

    @org.springframework.beans.factory.annotation.Autowired
    private ObjectProvider<fr.relais.audit.AuditTrail> audit = new org.springframework.beans.factory.support.DefaultListableBeanFactory()
            .getBeanProvider(fr.relais.audit.AuditTrail.class);
    /** Told when an import completes (absent when the importer is used outside Spring, as by the benchmark). */
    @org.springframework.beans.factory.annotation.Autowired(required = false)
    private org.springframework.context.ApplicationEventPublisher events;

    public AafImporter(DirectoryStore store, ImportHistory history, DirectoryProperties properties,
                       ObjectProvider<EmbeddedLdapServer> embedded) {
        this.store = store;
        this.mapper = new AafMapper(properties.baseDn());
        this.history = history;
        this.embedded = embedded;
        this.fullFile = Pattern.compile(properties.aaf().fullFilePattern());
        this.maxRemovalShare = properties.aaf().maxRemovalShare();
        this.workers = properties.aaf().workers();
    }

    /** What an existing person looks like to the import, without keeping the entry in memory. */
    private record Known(long digest, String structure, String objectClass) {
    }

    /** The state of one import. */
    private final class Run {
        final ImportReport report;
        final Map<String, StructureRef> structures = new ConcurrentHashMap<>();
        final Set<String> seen = ConcurrentHashMap.newKeySet();
        final Set<String> touched = ConcurrentHashMap.newKeySet();
        final Map<String, Set<String>> snapshot = new ConcurrentHashMap<>();
        final Map<String, Map<String, String>> declaredGroups = new ConcurrentHashMap<>();
        final AtomicReference<RuntimeException> fatal = new AtomicReference<>();

        Run(ImportReport report) {
            this.report = report;
            for (SdetEntry s : store.search(store.structures(), SearchControls.ONELEVEL_SCOPE,
                    "(objectClass=ENTStructure)", List.of("ENTStructureJointure", "ENTStructureUAI"))) {
                SdetEntry c = canonical(s);
                if (c.first("ENTStructureJointure") != null) {
                    structures.put(c.first("ENTStructureJointure"),
                            new StructureRef(c.first("ENTStructureJointure"), c.dn(), c.first("ENTStructureUAI")));
                }
            }
        }

        /** Persons already in the directory, read one structure at a time as the file reaches it. */
        final Map<String, Known> people = new ConcurrentHashMap<>();
        private final Map<String, Object> loadedStructures = new ConcurrentHashMap<>();

        void loadStructure(String structureDn) {
            if (structureDn == null) {
                return;
            }
            Object lock = loadedStructures.computeIfAbsent(key(structureDn), k -> new Object[] {Boolean.FALSE});
            synchronized (lock) {
                Object[] done = (Object[]) lock;
                if (done[0] == Boolean.TRUE) {
                    return;
                }
                store.forEach(store.people(), SearchControls.ONELEVEL_SCOPE,
                        new EqualsFilter("ENTPersonStructRattach", structureDn).encode(), AafMapper.PERSON_ATTRIBUTES, e -> {
                            SdetEntry c = canonical(e);
                            String id = c.first("ENTPersonJointure");
                            if (id != null) {
                                people.putIfAbsent(id, known(c.attributes()));
                            }
                        });
                done[0] = Boolean.TRUE;
            }
        }

        /** What the directory holds for this person, read by DN when their structure did not tell. */
        Known lookup(String id, String dn) {
            Known k = people.get(id);
            if (k == null) {
                k = store.read(dn, AafMapper.PERSON_ATTRIBUTES).map(e -> known(canonical(e).attributes())).orElse(null);
                if (k != null) {
                    people.put(id, k);
                }
            }
            return k;
        }
    }

    /**
     * Imports one file. Throws when the file as a whole is unusable; then nothing was applied.
     *
     * @param source {@code inbox} or {@code api}, kept in the import history
     */
    public ImportReport importFile(Path file, String displayName, String source) throws AafFileUnusableException {
        oneAtATime.lock();
        try {
            Map<String, Integer> lastOccurrence = new HashMap<>();
            Set<String> personsInFile = new HashSet<>();
            long[] count = {0};
            long started = System.nanoTime();
            try (AafReader reader = AafReader.open(file)) {
                reader.scan((category, id) -> {
                    if (id != null) {
                        lastOccurrence.put(occurrence(category, id), (int) count[0]);
                        if (!AafMapper.ETAB.equals(category)) {
                            personsInFile.add(id);
                        }
                    }
                    count[0]++;
                });
            } catch (AafFileUnusableException e) {
                ImportReport failed = ImportReport.failed(displayName, e.getMessage());
                failed.finish();
                history.record(failed, source);
                throw e;
            }
            ImportReport report = new ImportReport(displayName);
            report.records(count[0]);
            report.fullSnapshot(fullFile.matcher(displayName).matches());
            try {
                return apply(file, displayName, source, report, lastOccurrence, personsInFile, started);
            } catch (AafFileUnusableException e) {
                throw new AafFileUnusableException(recordFailure(displayName, source, e), e);
            } catch (RuntimeException e) {
                throw new IllegalStateException(recordFailure(displayName, source, e), e);
            }
        } finally {
            oneAtATime.unlock();
        }
    }

    private String recordFailure(String displayName, String source, Exception e) {
        ImportReport failed = ImportReport.failed(displayName, e.getMessage()
                + " ; une partie du fichier a pu être appliquée : corrigez la cause puis redéposez-le "
                + "(un nouvel import du même fichier est sans effet sur ce qui est déjà à jour)");
        history.record(failed, source);
        return failed.getError();
    }

    private static String occurrence(String category, String id) {
        // persons share one entry per id whatever their category; schools have their own ids
        return (AafMapper.ETAB.equals(category) ? "S/" : "P/") + id;
    }

    private ImportReport apply(Path file, String displayName, String source, ImportReport report,
                               Map<String, Integer> lastOccurrence, Set<String> personsInFile, long started)
            throws AafFileUnusableException {
        {
            long checked = System.nanoTime();
            Run run = new Run(report);
            // everyone the file names is present, even when their record is rejected: a full snapshot never
            // removes a person because of a mistake in their own record
            run.seen.addAll(personsInFile);
            int index = 0;
            ThreadPoolExecutor pool = workers();
            try (AafReader reader = AafReader.open(file)) {
                for (AafRecord r = reader.next(); r != null && run.fatal.get() == null; r = reader.next(), index++) {
                    Integer last = r.id() == null ? null : lastOccurrence.get(occurrence(r.category(), r.id()));
                    if (last != null && last != index) {
                        report.warn(r.line(), r.id(), "identifiant présent plusieurs fois dans le fichier (ligne " + r.line()
                                + ") : seul le dernier enregistrement est appliqué");
                        continue;
                    }
                    AafRecord record = r;
                    if (AafMapper.ETAB.equals(r.category())) {
                        // persons after a school in the file must find it: schools are applied in file order
                        apply(record, run);
                    } else {
                        // each id is applied once per file (duplicates are skipped above): order between ids is free
                        pool.execute(() -> apply(record, run));
                    }
                }
            } finally {
                pool.shutdown();
                awaitQuietly(pool);
            }
            if (run.fatal.get() != null) {
                throw run.fatal.get();
            }
            long applied = System.nanoTime();
            if (report.isFullSnapshot()) {
                removeAbsent(run);
            }
            for (String structure : run.touched) {
                refreshGroups(structure, run);
            }
            long grouped = System.nanoTime();
            // no cache to clear: every write above told the Directory what it changed (DirectoryStore.onWrite)
            embedded.ifAvailable(EmbeddedLdapServer::snapshot);
            log.info("AAF {} : vérification {} ms, application {} ms, départs et classes {} ms, sauvegarde {} ms", displayName,
                    (checked - started) / 1_000_000, (applied - checked) / 1_000_000, (grouped - applied) / 1_000_000,
                    (System.nanoTime() - grouped) / 1_000_000);
            report.finish();
            history.record(report, source);
            audit.ifAvailable(a -> a.record("directory.import", source, null, "annuaire (personnes du fichier)", null,
                    fr.relais.audit.AuditTrail.Outcome.DONE, displayName + " : " + report.getAdded() + " ajoutés, "
                            + report.getModified() + " modifiés, " + report.getDeleted() + " supprimés, "
                            + report.getRejected() + " rejetés"));
            log.info("AAF {} : {} ajoutés, {} modifiés, {} supprimés, {} inchangés, {} rejetés, {} avertissements ({} ms)",
                    displayName, report.getAdded(), report.getModified(), report.getDeleted(), report.getUnchanged(),
                    report.getRejected(), report.getWarnings().size(), report.getDurationMs());
            if (events != null) {
                try {
                    events.publishEvent(new fr.relais.directory.DirectoryImported(displayName, source));
                } catch (RuntimeException e) {
                    // the import is done and recorded: a listener's failure is its own
                    log.warn("AAF {} : importé, mais la suite de l'import a échoué ({})", displayName, e.getMessage());
                }
            }
            return report;
        }
    }

    private ThreadPoolExecutor workers() {
        return new ThreadPoolExecutor(workers, workers, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(workers * 64),
                r -> {
                    Thread t = new Thread(r, "aaf-import-" + WORKER_IDS.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.CallerRunsPolicy());
    }

    private static void awaitQuietly(ThreadPoolExecutor pool) {
        boolean interrupted = false;
        while (true) {
            try {
                if (pool.awaitTermination(1, TimeUnit.MINUTES)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void apply(AafRecord r, Run run) {
        try {
            applyOne(r, run);
        } catch (org.springframework.ldap.CommunicationException e) {
            // the directory is unreachable: the import stops as a whole instead of rejecting every record
            run.fatal.compareAndSet(null, new IllegalStateException("annuaire LDAP injoignable pendant l'import : "
                    + rootMessage(e) + " ; redéposez le fichier quand l'annuaire répond", e));
        } catch (RuntimeException e) {
            log.warn("AAF record {} (line {}) failed", r.reference(), r.line(), e);
            run.report.reject(r.line(), r.reference(), "erreur inattendue : " + rootMessage(e));
        }
    }

    private void applyOne(AafRecord r, Run run) {
        ImportReport report = run.report;
        if (r.id() == null) {
            report.reject(r.line(), r.reference(), "enregistrement sans identifiant (identifier/id) : ignoré");
            return;
        }
        if (r.category() == null || (!AafMapper.PERSON_CATEGORIES.contains(r.category()) && !AafMapper.ETAB.equals(r.category()))) {
            report.reject(r.line(), r.reference(), (r.category() == null ? "catégorie absente" : "catégorie '" + r.category() + "' inconnue")
                    + " (attendu Eleve, PersEducNat, PersRelEleve ou EtabEducNat dans operationalAttributes) : ignoré");
            return;
        }
        try {
            if (AafMapper.ETAB.equals(r.category())) {
                applyStructure(r, run);
            } else {
                applyPerson(r, run);
            }
        } catch (NamingException e) {
            report.reject(r.line(), r.reference(), "refusé par l'annuaire LDAP : " + rootMessage(e));
        }
    }

    private void applyPerson(AafRecord r, Run run) {
        ImportReport report = run.report;
        String dn = mapper.personDn(r.id());
        run.seen.add(r.id());
        if (r.operation() == AafRecord.Operation.DELETE) {
            Known known = run.lookup(r.id(), dn);
            if (known == null) {
                report.warn(r.line(), r.id(), "suppression d'une personne absente de l'annuaire : rien à faire");
                return;
            }
            store.delete(dn);
            run.people.remove(r.id());
            touch(run, known.structure());
            report.deleted(1);
            return;
        }
        boolean partial = r.operation() == AafRecord.Operation.MODIFY;
        AafMapper.Mapped mapped = mapper.person(r, run.structures::get, partial);
        Map<String, List<String>> attributes;
        Known known;
        if (partial) {
            known = run.lookup(r.id(), dn);
            if (known == null) {
                report.reject(r.line(), r.id(), "modification d'une personne absente de l'annuaire : ignorée (il faut d'abord un addRequest)");
                return;
            }
            SdetEntry existing = canonical(store.read(dn, AafMapper.PERSON_ATTRIBUTES).orElseThrow());
            attributes = new LinkedHashMap<>(existing.attributes());
            attributes.putAll(mapped.entry().attributes());
        } else {
            attributes = new LinkedHashMap<>(mapped.entry().attributes());
            List<String> structure = attributes.getOrDefault("ENTPersonStructRattach", List.of());
            run.loadStructure(structure.isEmpty() ? null : structure.get(0));
            known = run.people.get(r.id());
            if (!mapped.unresolved().isEmpty() && (known != null || run.lookup(r.id(), dn) != null)) {
                // a reference to an unknown school must not detach a person the directory already places
                known = run.people.get(r.id());
                SdetEntry existing = canonical(store.read(dn, AafMapper.PERSON_ATTRIBUTES).orElseThrow());
                for (String attribute : mapped.unresolved()) {
                    List<String> kept = existing.all(attribute);
                    if (!kept.isEmpty()) {
                        attributes.put(attribute, kept);
                    }
                }
            }
        }
        AafMapper.completeNames(attributes);
        if (attributes.getOrDefault("sn", List.of()).isEmpty()) {
            report.reject(r.line(), r.id(), "nom (sn) manquant : enregistrement ignoré");
            return;
        }
        mapped.warnings().forEach(w -> report.warn(r.line(), r.id(), w));
        Known now = known(attributes);
        if (known == null) {
            try {
                store.add(new SdetEntry(dn, attributes));
                report.added();
            } catch (NameAlreadyBoundException e) {
                // already in the directory under another school (or none): compare with what is there
                known = run.lookup(r.id(), dn);
            }
        }
        if (known != null) {
            if (known.digest() == now.digest()) {
                report.unchanged();
            } else {
                store.replace(dn, attributes, AafMapper.PERSON_ATTRIBUTES);
                report.modified();
                if (!Objects.equals(known.structure(), now.structure())) {
                    touch(run, known.structure());
                }
            }
        }
        run.people.put(r.id(), now);
        touch(run, now.structure());
        if (now.structure() != null) {
            run.snapshot.computeIfAbsent(now.objectClass(), k -> ConcurrentHashMap.newKeySet()).add(now.structure());
        }
    }

    private void applyStructure(AafRecord r, Run run) {
        ImportReport report = run.report;
        if (r.operation() == AafRecord.Operation.DELETE) {
            report.reject(r.line(), r.id(), "la suppression d'un établissement n'est pas faite par l'import AAF : "
                    + "un administrateur doit la décider");
            return;
        }
        AafMapper.Mapped mapped = mapper.structure(r);
        Map<String, List<String>> attributes = new LinkedHashMap<>(mapped.entry().attributes());
        String uai = mapped.entry().first("ENTStructureUAI");
        if (mapped.entry().dn() == null) {
            report.reject(r.line(), r.id(), "ENTStructureSIREN manquant : établissement ignoré");
            return;
        }
        if (uai == null) {
            report.reject(r.line(), r.id(), "ENTStructureUAI manquant : établissement ignoré");
            return;
        }
        if (!Uai.isValid(uai)) {
            report.reject(r.line(), r.id(), "ENTStructureUAI '" + uai + "' invalide (7 chiffres et la lettre de contrôle) : établissement ignoré");
            return;
        }
        String dn = mapped.entry().dn();
        StructureRef before = run.structures.get(r.id());
        if (before != null && !key(before.dn()).equals(key(dn))) {
            report.reject(r.line(), r.id(), "ENTStructureSIREN a changé pour l'établissement " + uai + " ("
                    + before.dn() + ") : établissement ignoré ; un administrateur doit renommer l'entrée dans l'annuaire");
            return;
        }
        mapped.warnings().forEach(w -> report.warn(r.line(), r.id(), w));
        var existing = store.read(dn, STRUCTURE_ATTRIBUTES).map(AafImporter::canonical);
        if (existing.isEmpty()) {
            store.add(new SdetEntry(dn, attributes));
            report.added();
        } else if (SdetEntry.digest(existing.get().attributes()) == SdetEntry.digest(attributes)) {
            report.unchanged();
        } else {
            store.replace(dn, attributes, STRUCTURE_ATTRIBUTES);
            report.modified();
        }
        run.structures.put(r.id(), new StructureRef(r.id(), dn, uai));
        Map<String, String> declared = new LinkedHashMap<>();
        mapped.classes().forEach((code, label) -> declared.put("C:" + code, label));
        mapped.groups().forEach((code, label) -> declared.put("G:" + code, label));
        run.declaredGroups.put(key(dn), declared);
        run.touched.add(dn);
    }

    /** Full snapshot: persons of a structure named by the file but absent from it have left, within the guard. */
    private void removeAbsent(Run run) {
        Map<String, Known> people = run.people;
        run.snapshot.forEach((objectClass, structures) -> {
            Map<String, List<String>> byStructure = new HashMap<>();
            people.forEach((id, k) -> {
                if (objectClass.equals(k.objectClass()) && k.structure() != null && structures.contains(k.structure())) {
                    byStructure.computeIfAbsent(k.structure(), s -> new ArrayList<>()).add(id);
                }
            });
            byStructure.forEach((structure, ids) -> {
                List<String> absent = ids.stream().filter(id -> !run.seen.contains(id)).toList();
                if (absent.isEmpty()) {
                    return;
                }
                String uai = run.structures.values().stream().filter(s -> key(s.dn()).equals(key(structure)))
                        .map(StructureRef::uai).findFirst().orElse(structure);
                double share = (double) absent.size() / ids.size();
                if (share > maxRemovalShare) {
                    run.report.reject(Long.MAX_VALUE, uai, String.format(Locale.FRANCE,
                            "suppressions refusées : %d %s sur %d de l'établissement %s sont absents de ce "
                                    + "fichier complet, soit %.1f %%, au-delà du seuil de %.0f %% "
                                    + "(relais.directory.aaf.max-removal-share) ; le fichier est-il tronqué ? "
                                    + "Aucune de ces personnes n'a été supprimée.",
                            absent.size(), label(objectClass), ids.size(), uai, share * 100, maxRemovalShare * 100));
                    return;
                }
                for (String id : absent) {
                    try {
                        store.delete(mapper.personDn(id));
                        people.remove(id);
                        run.report.deleted(1);
                    } catch (NamingException e) {
                        run.report.reject(Long.MAX_VALUE, id, "suppression refusée par l'annuaire LDAP : " + rootMessage(e));
                    }
                }
                run.touched.add(structure);
            });
        });
    }

    /** Classes and groups of a structure are groupOfNames entries under it, members recomputed from the persons. */
    private void refreshGroups(String structureDn, Run run) {
        String filter = new EqualsFilter("ENTPersonStructRattach", structureDn).encode();
        Map<String, Set<String>> members = new LinkedHashMap<>();
        String prefix = key(structureDn) + "$";
        store.forEach(store.people(), SearchControls.ONELEVEL_SCOPE, filter, MEMBERSHIP, e -> {
            SdetEntry c = canonical(e);
            for (String attribute : MEMBERSHIP) {
                String kind = attribute.endsWith("Classes") ? "C:" : "G:";
                for (String value : c.all(attribute)) {
                    if (key(value).startsWith(prefix)) {
                        members.computeIfAbsent(kind + value.substring(prefix.length()), k -> new LinkedHashSet<>())
                                .add(c.dn());
                    }
                }
            }
        });
        Map<String, String> declared = run.declaredGroups.getOrDefault(key(structureDn), Map.of());
        Map<String, SdetEntry> existing = new HashMap<>();
        String groupsOfStructure = new AndFilter().and(new EqualsFilter("objectClass", "groupOfNames"))
                .and(new EqualsFilter("ENTGroupeStructRattach", structureDn)).encode();
        for (SdetEntry e : store.search(structureDn, SearchControls.ONELEVEL_SCOPE, groupsOfStructure,
                List.of("objectClass", "cn", "member", "description", "ENTGroupeCode", "ENTGroupeStructRattach"))) {
            SdetEntry c = canonical(e);
            boolean isClass = c.all("objectClass").stream().anyMatch("ENTClasse"::equalsIgnoreCase);
            existing.put((isClass ? "C:" : "G:") + c.first("cn"), c);
        }
        Set<String> codes = new LinkedHashSet<>(declared.keySet());
        codes.addAll(members.keySet());
        codes.addAll(existing.keySet());
        for (String code : codes) {
            boolean isClass = code.startsWith("C:");
            String cn = code.substring(2);
            Map<String, List<String>> attributes = new LinkedHashMap<>();
            attributes.put("objectClass", List.of("top", "groupOfNames", isClass ? "ENTClasse" : "ENTGroupe"));
            attributes.put("cn", List.of(cn));
            attributes.put("ENTGroupeCode", List.of(cn));
            attributes.put("ENTGroupeStructRattach", List.of(structureDn));
            Set<String> m = members.getOrDefault(code, Set.of());
            // groupOfNames needs a member: an empty class points at its own structure
            attributes.put("member", m.isEmpty() ? List.of(structureDn) : new ArrayList<>(m));
            SdetEntry current = existing.get(code);
            String label = declared.get(code);
            if (label == null && current != null) {
                label = current.first("description");
            }
            attributes.put("description", label == null ? List.of() : List.of(label));
            try {
                if (current == null) {
                    store.add(new SdetEntry(mapper.groupDn(structureDn, cn), attributes));
                } else if (SdetEntry.digest(current.attributes()) != SdetEntry.digest(attributes)) {
                    store.replace(current.dn(), attributes, List.of("member", "description", "ENTGroupeCode",
                            "ENTGroupeStructRattach"));
                }
            } catch (NamingException e) {
                run.report.warn(Long.MAX_VALUE, cn, "classe ou groupe non mis à jour dans l'annuaire : " + rootMessage(e));
            }
        }
    }

    private static String label(String objectClass) {
        return switch (objectClass) {
            case "ENTEleve" -> "élèves";
            case "ENTAuxPersRelEleve" -> "responsables";
            default -> "personnels";
        };
    }

    private static void touch(Run run, String structure) {
        if (structure != null) {
            run.touched.add(structure);
        }
    }

    private static Known known(Map<String, List<String>> attributes) {
        List<String> structure = attributes.getOrDefault("ENTPersonStructRattach", List.of());
        String objectClass = attributes.getOrDefault("objectClass", List.of()).stream()
                .filter(AafMapper.PERSON_CLASSES::contains).findFirst().orElse(null);
        return new Known(SdetEntry.digest(attributes), structure.isEmpty() ? null : structure.get(0), objectClass);
    }

    /** DN and value comparisons ignore case, like the directory does. */
    private static String key(String dn) {
        return dn.toLowerCase(Locale.ROOT);
    }

    /** Attribute names as Relais writes them, whatever case the server answers with. */
    static SdetEntry canonical(SdetEntry entry) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        entry.attributes().forEach((name, values) ->
                out.put(CANONICAL.getOrDefault(name.toLowerCase(Locale.ROOT), name), values));
        List<String> classes = out.get("objectClass");
        if (classes != null) {
            out.put("objectClass", classes.stream().map(AafImporter::canonicalClass).toList());
        }
        return new SdetEntry(entry.dn(), out);
    }

    private static String canonicalClass(String objectClass) {
        for (String known : List.of("top", "person", "organizationalPerson", "inetOrgPerson", "ENTPerson", "ENTEleve",
                "ENTAuxEnseignant", "ENTAuxPersRelEleve", "organizationalUnit", "ENTStructure", "ENTEtablissement",
                "groupOfNames", "ENTClasse", "ENTGroupe")) {
            if (known.equalsIgnoreCase(objectClass)) {
                return known;
            }
        }
        return objectClass;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? e.getMessage() : t.getMessage();
    }
}
