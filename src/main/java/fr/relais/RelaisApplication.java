package fr.relais;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class RelaisApplication {

    public static void main(String[] args) {
        SpringApplication.run(RelaisApplication.class, args);
    }
}
