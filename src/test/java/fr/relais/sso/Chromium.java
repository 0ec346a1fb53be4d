package fr.relais.sso;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/** Debian's Chromium, headless, in French, driven by its chromedriver: the real browser of the tests. */
final class Chromium {

    private Chromium() {
    }

    static WebDriver start() throws java.io.IOException {
        File chromium = new File("/usr/bin/chromium");
        File driver = new File("/usr/bin/chromedriver");
        assertThat(chromium).as("Debian's chromium is needed: apt-get install chromium chromium-driver").exists();
        assertThat(driver).as("Debian's chromium-driver is needed: apt-get install chromium chromium-driver").exists();
        Path profile = Files.createTempDirectory("chromium-profile");
        ChromeOptions options = new ChromeOptions().setBinary(chromium).addArguments("--headless=new", "--no-sandbox",
                "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--lang=fr-FR", "--window-size=1280,900");
        return new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(driver).build(), options);
    }

    /** The page as the browser shows it, saved under {@code target/} for review. */
    static void screenshot(WebDriver browser, String file) throws java.io.IOException {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.createDirectories(Path.of("target/screenshots"));
        Files.copy(shot.toPath(), Path.of("target/screenshots", file), StandardCopyOption.REPLACE_EXISTING);
    }
}
