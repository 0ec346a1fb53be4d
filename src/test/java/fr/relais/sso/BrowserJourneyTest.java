package fr.relais.sso;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import fr.relais.directory.aaf.Uai;

/**
 * A real browser (Debian's Chromium, driven by Selenium) walks the whole journey on the demo profile: tool ->
 * Relais -> ENT choice (search) -> simulated ENT login -> back to the tool -> publisher launch without a second
 * login. {@code .ci/run} installs chromium and chromium-driver.
 */
class BrowserJourneyTest extends SsoTestBase {

    WebDriver browser;
    WebDriverWait wait;

    @BeforeEach
    void start() throws Exception {
        browser = Chromium.start();
        wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void pupilOpensPronoteThenAPublisherWithOneLogin() throws Exception {
        browser.get(TOOL);
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("search")));
        // the page names the service the pupil is opening
        assertThat(browser.getTitle()).isEqualTo("Relais – choisir son ENT pour Pronote");
        assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Se connecter à Pronote");
        browser.findElement(By.id("search")).sendKeys("auvergne");
        assertThat(browser.findElement(By.id("source-ent-auvergnerhonealpes")).isDisplayed()).isTrue();
        assertThat(browser.findElement(By.id("source-monlycee")).isDisplayed()).isFalse();
        browser.findElement(By.id("source-ent-auvergnerhonealpes")).click();

        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("username"))).sendKeys("2000001");
        browser.findElement(By.id("password")).sendKeys("demo");
        browser.findElement(By.id("submit")).click();

        String user = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("user"))).getText();
        assertThat(user).isEqualTo("Connecté : 2000001");
        assertThat(browser.findElement(By.id("attributes")).getText()).contains("categories").contains("National_1");

        browser.get(BASE + "/launch/cns?resource=ark:/86527/manuel-maths&uai=" + Uai.of(690_100));
        String ido = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("ido"))).getText();
        assertThat(ido).matches("Identifiant pseudonyme : [0-9a-f]{128}");
        assertThat(browser.findElement(By.id("signature")).getText()).contains("Signature vérifiée");
        assertThat(browser.getPageSource()).doesNotContain("2000001");

        Chromium.screenshot(browser, "sso-journey-publisher.png");
    }
}
