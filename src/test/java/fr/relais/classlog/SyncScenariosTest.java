package fr.relais.classlog;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The defects of the cahier de textes sync reported from the field, each as a named run of the simulation
 * ({@link SyncSimulation}): a scripted world on the real engine and database, its timing from a fixed seed, the
 * same invariants checked at the end as for the random runs.
 */
class SyncScenariosTest {

    private static final SyncSimulation.Options QUIET = new SyncSimulation.Options(0, false, false, false, false,
            false, false);

    @Test
    void aLessonTypedBeforeItsClassIsInTheDirectoryWaitsAndReachesTheOtherToolOnceImported() {
        SyncSimulation sim = new SyncSimulation(11, QUIET);
        sim.unknownClass("4C");
        String title = sim.write(SyncSimulation.ED, "4C"); // 4C: EcoleDirecte is read, Skolengo written
        sim.runUntil("jamais", 400);
        assertThat(sim.parkedCount()).as("en attente de l'annuaire").isEqualTo(1);
        assertThat(sim.tools.get(SyncSimulation.SKO).live()).as("pas encore dans Skolengo").isEmpty();

        sim.importClass("4C");
        assertThat(sim.settleAndCheck()).as(String.join("\n", sim.trace)).isNull();
        assertThat(sim.tools.get(SyncSimulation.SKO).live()).singleElement()
                .satisfies(c -> assertThat(c.entry.title()).isEqualTo(title));
    }

    @Test
    void aTeachersEditOfAFreshCopyIsNotTakenForRelaisOwnCreate() {
        SyncSimulation sim = new SyncSimulation(12, QUIET);
        String title = sim.write(SyncSimulation.NEO, "6A");
        // Relais has just created its copy in EcoleDirecte and not yet recorded the answer
        assertThat(sim.runUntil("sim-ed : réponse de écriture", 2000)).isTrue();
        sim.edit(SyncSimulation.ED, title); // the teacher corrects the copy at once
        assertThat(sim.settleAndCheck()).as(String.join("\n", sim.trace)).isNull();
    }

    @Test
    void anEditOfRelaisCopyMadeWhileRelaisIsDownAfterACrashMidCreateWinsEverywhere() {
        SyncSimulation sim = new SyncSimulation(13, QUIET);
        String title = sim.write(SyncSimulation.NEO, "6A");
        assertThat(sim.runUntil("sim-sko : réponse de écriture", 2000)).isTrue();
        sim.killAndRestart(); // kill -9 between Skolengo's create and its record
        sim.edit(SyncSimulation.SKO, title); // edited in the copy while Relais is down
        assertThat(sim.settleAndCheck()).as(String.join("\n", sim.trace)).isNull();
    }

    @Test
    void anEditInTheLessonsOwnToolWhileRelaisIsDownBeatsRelaisOwnWritesReadBackAfterTheRestart() {
        SyncSimulation sim = new SyncSimulation(14, QUIET);
        String title = sim.write(SyncSimulation.ED, "6A");
        sim.edit(SyncSimulation.ED, title);
        // Relais writes the first version into NEO while the edit is on its way, and dies before recording it
        assertThat(sim.runUntil("sim-neo : réponse de écriture", 2000)).isTrue();
        sim.killAndRestart();
        sim.edit(SyncSimulation.ED, title);
        assertThat(sim.settleAndCheck()).as(String.join("\n", sim.trace)).isNull();
    }

    @Test
    void aToolReinstalledWhileRelaisRestartsIsReadAgainAndGetsBackWhatItLostWithoutDuplicates() {
        SyncSimulation sim = new SyncSimulation(15, QUIET);
        sim.write(SyncSimulation.NEO, "6A");
        sim.write(SyncSimulation.ED, "6A");
        sim.write(SyncSimulation.SKO, "6A");
        assertThat(sim.settleAndCheck()).isNull();
        // the demo restarted: the simulated module starts again at id 1001 and counter 1, Relais' watermark is ahead
        sim.reinstall(SyncSimulation.NEO);
        sim.killAndRestart();
        sim.write(SyncSimulation.NEO, "6A"); // id 1001 again, for another lesson
        assertThat(sim.settleAndCheck()).as(String.join("\n", sim.trace)).isNull();
        assertThat(sim.tools.get(SyncSimulation.NEO).live()).hasSize(4);
    }

    @Test
    void aCopyGivenByAReinstalledToolTheIdOfAnotherLessonMakesItReadAgainAndLosesNothing() {
        SyncSimulation sim = new SyncSimulation(16, QUIET);
        sim.write(SyncSimulation.NEO, "6A");
        sim.write(SyncSimulation.ED, "6A");
        assertThat(sim.settleAndCheck()).isNull();
        sim.reinstall(SyncSimulation.NEO); // no restart of Relais: only the ids Relais gets back can tell
        sim.write(SyncSimulation.ED, "6A"); // its copy in NEO gets id 1001, which named the first lesson there
        assertThat(sim.settleAndCheck()).as(String.join("\n", sim.trace)).isNull();
        assertThat(sim.tools.get(SyncSimulation.NEO).live()).hasSize(3);
    }
    @Test
    void anUpdateForACopyWhoseIdAndVersionAReinstalledToolGaveToAnotherLessonDoesNotOverwriteIt() {
        SyncSimulation sim = new SyncSimulation(17, QUIET);
        sim.write(SyncSimulation.NEO, "6A"); // 1001@1 in NEO
        String copied = sim.write(SyncSimulation.ED, "6A"); // its copy in NEO: 1002@2
        assertThat(sim.settleAndCheck()).isNull();
        sim.reinstall(SyncSimulation.NEO);
        // two new lessons get exactly the ids and versions Relais recorded for its copies: no poll can tell
        sim.write(SyncSimulation.NEO, "6A");
        String taken = sim.write(SyncSimulation.NEO, "6A");
        sim.edit(SyncSimulation.ED, copied); // Relais then has an update for its copy 1002, which is now another lesson
        assertThat(sim.settleAndCheck()).as(String.join("\n", sim.trace)).isNull();
        assertThat(sim.tools.get(SyncSimulation.NEO).live()).as("les deux séances de NEO et les deux réécrites")
                .hasSize(4).anySatisfy(c -> assertThat(c.entry.title()).isEqualTo(taken));
    }

    @Test
    void aNewLessonUnderAnIdRelaisKnowsIsNotTakenForATitleEditWhenTheFeedCheckShowsTheToolWentBack() {
        SyncSimulation sim = new SyncSimulation(18, QUIET);
        String first = sim.write(SyncSimulation.NEO, "6A"); // 1001 in NEO
        sim.write(SyncSimulation.ED, "6A"); // its copy in NEO: 1002
        assertThat(sim.settleAndCheck()).isNull();
        sim.reinstall(SyncSimulation.NEO);
        // a new lesson takes id 1001 again; edited twice, its counter passes Relais' watermark: read as a change of
        // 1001 with another title and time, exactly what a teacher's edit of the first lesson would look like
        String reused = sim.write(SyncSimulation.NEO, "6A");
        sim.edit(SyncSimulation.NEO, reused);
        sim.edit(SyncSimulation.NEO, reused);
        assertThat(sim.settleAndCheck()).as(String.join("\n", sim.trace)).isNull();
        assertThat(sim.tools.get(SyncSimulation.ED).live()).as("la première séance gardée, la nouvelle ajoutée")
                .hasSize(3).anySatisfy(c -> assertThat(c.entry.title()).isEqualTo(first))
                .anySatisfy(c -> assertThat(c.entry.title()).isEqualTo(reused));
    }

    @Test
    void anIdAndVersionAReinstalledToolShowsDeletedAreNotTakenForTheLessonRelaisRecordedThere() {
        SyncSimulation sim = new SyncSimulation(20, QUIET);
        String first = sim.write(SyncSimulation.SKO, "6A"); // hw-2ex4, version 1 in Skolengo
        sim.edit(SyncSimulation.SKO, first); // version 2, read by Relais
        assertThat(sim.settleAndCheck()).isNull();
        sim.reinstall(SyncSimulation.SKO);
        // a new lesson takes hw-2ex4 again, and is deleted at once: hw-2ex4 in version 2, deleted, where Relais
        // recorded a live lesson in version 2. An update of Relais' copy there then waited for ever (the copy is
        // found nowhere, and no feed check saw a reset); read again, the delete removed the first lesson everywhere
        String other = sim.write(SyncSimulation.SKO, "4C");
        sim.delete(SyncSimulation.SKO, other);
        sim.edit(SyncSimulation.NEO, first);
        assertThat(sim.settleAndCheck()).as(String.join("\n", sim.trace)).isNull();
        assertThat(sim.tools.get(SyncSimulation.SKO).live()).singleElement()
                .satisfies(c -> assertThat(c.entry.content()).contains("version 3 (" + SyncSimulation.NEO + ")"));
    }

    @Test
    void aCopyGoneFromAToolOnlyWrittenForTheClassIsMadeAgainByTheNextUpdate() {
        SyncSimulation sim = new SyncSimulation(19, QUIET);
        String title = sim.write(SyncSimulation.ED, "5B"); // 5B: Skolengo only written (a target)
        assertThat(sim.settleAndCheck()).isNull();
        SimTool sko = sim.tools.get(SyncSimulation.SKO);
        sko.teacherDeletes(sko.live().get(0)); // gone from Skolengo, whose deletes are not read for 5B
        sim.edit(SyncSimulation.ED, title); // the update Relais then sends to Skolengo is answered 404
        assertThat(sim.settleAndCheck()).as(String.join("\n", sim.trace)).isNull();
        assertThat(sko.live()).singleElement().satisfies(c -> assertThat(c.entry.content()).contains("version 2"));
    }

    @Test
    void aCopyInAToolOnlyWrittenForTheClassIsNotOverwrittenWhenAResetGaveItsIdToAnotherLesson() {
        SyncSimulation sim = new SyncSimulation(21, QUIET);
        String written = sim.write(SyncSimulation.ED, "5B"); // its copy in Skolengo (only written for 5B): hw-2ex4
        assertThat(sim.settleAndCheck()).isNull();
        sim.reinstall(SyncSimulation.SKO);
        // a lesson of 6A, which Skolengo is read for, takes hw-2ex4 again; the next update of the 5B lesson was
        // written over it, unchecked, as a tool only written for a class is
        String other = sim.write(SyncSimulation.SKO, "6A");
        sim.edit(SyncSimulation.ED, written);
        assertThat(sim.settleAndCheck()).as(String.join("\n", sim.trace)).isNull();
        assertThat(sim.tools.get(SyncSimulation.SKO).live()).extracting(c -> c.entry.title())
                .containsExactlyInAnyOrder(written, other);
    }

    @Test
    void anOlderStateOfALessonARestoredBackupHoldsDoesNotReplaceTheLaterEditRelaisRead() {
        SyncSimulation sim = new SyncSimulation(22, QUIET);
        String title = sim.write(SyncSimulation.SKO, "6A");
        assertThat(sim.settleAndCheck()).isNull();
        sim.edit(SyncSimulation.SKO, title); // version 2, which Relais never reads
        SimTool.Backup backup = sim.backup(SyncSimulation.SKO);
        sim.edit(SyncSimulation.SKO, title); // version 3, read and spread
        assertThat(sim.settleAndCheck()).isNull();
        // read again from its start, the restored tool shows version 2: a content Relais never had, from the very
        // tool that made version 3. It was applied as that tool's latest edit
        sim.restore(SyncSimulation.SKO, backup);
        assertThat(sim.settleAndCheck()).as(String.join("\n", sim.trace)).isNull();
        assertThat(sim.tools.get(SyncSimulation.SKO).live()).singleElement()
                .satisfies(c -> assertThat(c.entry.content()).contains("version 3"));
    }

    @Test
    void aLessonMovedToAnotherClassUnderAnIdRelaisKnowsIsReadAsAnotherLesson() {
        SyncSimulation sim = new SyncSimulation(23, QUIET);
        String first = sim.write(SyncSimulation.SKO, "6A"); // hw-2ex4, version 1
        assertThat(sim.settleAndCheck()).isNull();
        sim.reinstall(SyncSimulation.SKO);
        // a lesson of 4C takes hw-2ex4 again, edited twice: its counter passes Relais' watermark, no version went
        // back, and the feed holds nothing else. Taken for the first lesson moved to 4C and renamed, which was lost
        String other = sim.write(SyncSimulation.SKO, "4C");
        sim.edit(SyncSimulation.SKO, other);
        sim.edit(SyncSimulation.SKO, other);
        assertThat(sim.settleAndCheck()).as(String.join("\n", sim.trace)).isNull();
        assertThat(sim.tools.get(SyncSimulation.SKO).live()).extracting(c -> c.entry.title())
                .containsExactlyInAnyOrder(first, other);
    }
}
