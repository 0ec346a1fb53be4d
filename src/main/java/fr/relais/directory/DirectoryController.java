package fr.relais.directory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

import fr.relais.directory.aaf.AafFileUnusableException;
import fr.relais.directory.aaf.AafImporter;
import fr.relais.directory.aaf.ImportHistory;
import fr.relais.directory.aaf.ImportReport;
import fr.relais.platform.NotFoundException;

@io.swagger.v3.oas.annotations.tags.Tag(name = "Annuaire", description = "Imports AAF (dépôt, historique, rapports), personnes et structures de l'annuaire")
@RestController
@RequestMapping("/api/directory")
class DirectoryController {

    private final Directory directory;
    private final AafImporter importer;
    private final ImportHistory history;
    private final fr.relais.audit.AuditTrail audit;

    DirectoryController(Directory directory, AafImporter importer, ImportHistory history, fr.relais.audit.AuditTrail audit) {
        this.audit = audit;
        this.directory = directory;
        this.importer = importer;
        this.history = history;
    }

    @GetMapping("/persons/{jointure}")
    Person person(@PathVariable String jointure, java.security.Principal admin) {
        audit.record("directory.person.read", admin == null ? "?" : admin.getName(), jointure,
                "identité,profils,établissements,classes,groupes,responsables", "API d'administration",
                fr.relais.audit.AuditTrail.Outcome.DONE, null);
        return directory.person(jointure).orElseThrow(() -> new NotFoundException(
                "Aucune personne de jointure '" + jointure + "' dans l'annuaire"));
    }

    @GetMapping("/structures/{uai}")
    Structure structure(@PathVariable String uai) {
        return directory.structure(uai).orElseThrow(() -> new NotFoundException(
                "Aucun établissement d'UAI '" + uai + "' dans l'annuaire"));
    }

    /**
     * Imports one or more AAF files (multipart field {@code file}), in the order given: 200 with one report per
     * file when all were usable, 422 with the same reports when one or more were refused as a whole.
     */
    @PostMapping(path = "/imports", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    ResponseEntity<List<ImportReport>> importFiles(@RequestParam("file") List<MultipartFile> files) throws IOException {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("champ 'file' vide : joignez un ou plusieurs fichiers AAF");
        }
        List<ImportReport> reports = new ArrayList<>();
        boolean refused = false;
        for (MultipartFile file : files) {
            String name = file.getOriginalFilename() == null || file.getOriginalFilename().isBlank()
                    ? "upload.xml" : Path.of(file.getOriginalFilename()).getFileName().toString();
            Path tmp = Files.createTempFile("aaf-", ".xml");
            try {
                try (InputStream in = file.getInputStream()) {
                    Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                }
                reports.add(importer.importFile(tmp, name, "api"));
            } catch (AafFileUnusableException e) {
                refused = true;
                reports.add(ImportReport.failed(name, e.getMessage()));
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        return ResponseEntity.status(refused ? HttpStatus.UNPROCESSABLE_ENTITY : HttpStatus.OK).body(reports);
    }

    @GetMapping("/imports")
    List<ImportHistory.Entry> imports() {
        return history.latest(100);
    }
}
