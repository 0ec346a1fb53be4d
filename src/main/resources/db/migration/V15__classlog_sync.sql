-- Which tools keep the log of which class or group of a school, and in which direction (admin API).
CREATE TABLE classlog_sync (
    school     VARCHAR(8)   NOT NULL,
    audience   VARCHAR(64)  NOT NULL,
    tool       VARCHAR(64)  NOT NULL,
    direction  VARCHAR(8)   NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (school, audience, tool)
);

-- Watermarks are per tool and school: a school's polling resumes where it stopped.
DROP TABLE classlog_watermark;
CREATE TABLE classlog_watermark (
    tool          VARCHAR(64)   NOT NULL,
    school        VARCHAR(8)    NOT NULL,
    watermark     VARCHAR(256),
    last_success  TIMESTAMP WITH TIME ZONE,
    last_error    VARCHAR(1000),
    last_error_at TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (tool, school)
);

-- Deliveries to a tool that failed: the last error of each, so that a dead letter says why.
CREATE TABLE classlog_delivery_error (
    delivery_id VARCHAR(36)   PRIMARY KEY,
    tool        VARCHAR(64)   NOT NULL,
    entry_id    VARCHAR(36)   NOT NULL,
    version     BIGINT        NOT NULL,
    error       VARCHAR(2000) NOT NULL,
    attempts    INT           NOT NULL,
    last_at     TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Per target tool: when a delivery last succeeded, and the last failure.
CREATE TABLE classlog_target (
    tool          VARCHAR(64)   PRIMARY KEY,
    last_success  TIMESTAMP WITH TIME ZONE,
    last_error    VARCHAR(1000),
    last_error_at TIMESTAMP WITH TIME ZONE
);
