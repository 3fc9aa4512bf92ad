package io.totesys.pipeline.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The documentation cannot drift from the product: every environment variable
 * {@code application.properties} reads is in {@code docs/configuration.md}, with the property
 * that reads it and, where the page gives one value, its default; the page names no variable
 * the service does not read; and every link into a document (a Markdown link in the README or
 * {@code docs/}, or a {@code docs/<file>.md#<anchor>} named in code, routes or manifests)
 * reaches a file and a heading that exist. Plain files, no server.
 */
class ConfigurationDocumentedTest {

    private static final Path PROPERTIES = Path.of("src", "main", "resources", "application.properties");
    private static final Path CONFIGURATION = Path.of("docs", "configuration.md");
    /** {@code ${VARIABLE}} or {@code ${VARIABLE:default}}: an environment variable, upper case. */
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)(?::([^}]*))?}");
    /** A row of a settings table: {@code | `VARIABLE` | `property` | default | meaning |}. */
    private static final Pattern SETTING_ROW = Pattern
            .compile("^\\| `([A-Z][A-Z0-9_]*)` \\| `([^`]+)` \\| ([^|]*) \\|");
    /** A default the page gives as one value: {@code `30s`}. */
    private static final Pattern ONE_VALUE = Pattern.compile("`([^`]*)`");
    /** A Markdown link or image: {@code [text](target)}. */
    private static final Pattern MARKDOWN_LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    /** A document named in code, routes or manifests, with or without an anchor. */
    private static final Pattern DOCUMENT_REFERENCE = Pattern.compile("docs/[A-Za-z0-9_-]+\\.md(#[A-Za-z0-9_-]+)?");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");
    private static final List<String> CODE_FOLDERS = List.of("src", "routes", "k8s");
    private static final Set<String> CODE_EXTENSIONS = Set.of(".java", ".yaml", ".yml", ".properties", ".sql", ".xml",
            ".sh", ".py", ".json", ".md");

    @Test
    void everyEnvironmentVariableTheServiceReadsIsDocumented() throws IOException {
        Map<String, Map<String, String>> read = variablesRead();
        Map<String, Setting> documented = documented();

        assertThat(read).as("environment variables in %s", PROPERTIES).isNotEmpty();
        assertThat(documented.keySet()).as("variables %s reads that %s lacks", PROPERTIES, CONFIGURATION)
                .containsAll(read.keySet());
    }

    @Test
    void everyDocumentedVariableIsReadByThePropertyTheDocumentNames() throws IOException {
        Map<String, Map<String, String>> read = variablesRead();
        Map<String, Setting> documented = documented();
        List<String> problems = new ArrayList<>();

        documented.forEach((variable, setting) -> {
            Map<String, String> properties = read.get(variable);
            if (properties == null) {
                problems.add(variable + ": " + CONFIGURATION + " lists it, but no property reads it");
                return;
            }
            if (!properties.containsKey(setting.property())) {
                problems.add(variable + ": " + CONFIGURATION + " says " + setting.property() + " reads it, but "
                        + properties.keySet() + " do");
                return;
            }
            String actual = properties.get(setting.property());
            Matcher oneValue = ONE_VALUE.matcher(setting.defaultValue());
            if (actual != null && !actual.contains("${") && oneValue.matches()
                    && !oneValue.group(1).equals(actual)) {
                problems.add(variable + ": " + CONFIGURATION + " gives the default " + setting.defaultValue() + ", "
                        + PROPERTIES + " has " + actual);
            }
        });

        assertThat(documented).as("settings rows in %s", CONFIGURATION).isNotEmpty();
        assertThat(problems).isEmpty();
    }

    @Test
    void everyLinkIntoADocumentReachesAFileAndAHeading() throws IOException {
        List<String> broken = new ArrayList<>();
        List<Path> documents = new ArrayList<>(List.of(Path.of("README.md")));
        try (Stream<Path> docs = Files.list(Path.of("docs"))) {
            docs.filter(path -> path.toString().endsWith(".md")).sorted().forEach(documents::add);
        }
        int links = 0;
        for (Path document : documents) {
            for (String target : markdownLinks(document)) {
                if (target.matches("^[a-z][a-z0-9+.-]*:.*")) {
                    continue;
                }
                links++;
                int hash = target.indexOf('#');
                Path file = hash == 0 ? document
                        : document.resolveSibling(hash < 0 ? target : target.substring(0, hash)).normalize();
                check(document + ": " + target, file, hash < 0 ? null : target.substring(hash + 1), broken);
            }
        }
        for (String folder : CODE_FOLDERS) {
            try (Stream<Path> files = Files.walk(Path.of(folder))) {
                for (Path file : files.filter(Files::isRegularFile).filter(ConfigurationDocumentedTest::isText)
                        .sorted().toList()) {
                    Matcher reference = DOCUMENT_REFERENCE.matcher(Files.readString(file));
                    while (reference.find()) {
                        links++;
                        String target = reference.group();
                        int hash = target.indexOf('#');
                        check(file + ": " + target, Path.of(hash < 0 ? target : target.substring(0, hash)),
                                hash < 0 ? null : target.substring(hash + 1), broken);
                    }
                }
            }
        }

        assertThat(links).as("links checked").isGreaterThan(50);
        assertThat(broken).as("links to a file or heading that does not exist").isEmpty();
    }

    @Test
    void headingsGetGitHubsAnchors() {
        assertThat(slug("Operator's runbook: quarantine, fix, replay, check"))
                .isEqualTo("operators-runbook-quarantine-fix-replay-check");
        assertThat(slug("Extract: what a batch reads")).isEqualTo("extract-what-a-batch-reads");
        assertThat(slug("`ETL_SCHEMA_CHANGE_POLICY`")).isEqualTo("etl_schema_change_policy");
    }

    /** The anchors GitHub gives the document's headings (code blocks left out), a repeated one numbered. */
    static Set<String> anchors(Path document) throws IOException {
        Set<String> anchors = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean fenced = false;
        for (String line : Files.readAllLines(document)) {
            if (line.strip().startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            Matcher heading = HEADING.matcher(line);
            if (fenced || !heading.matches()) {
                continue;
            }
            String slug = slug(heading.group(1));
            int times = seen.merge(slug, 1, Integer::sum);
            anchors.add(times == 1 ? slug : slug + "-" + (times - 1));
        }
        return anchors;
    }

    /**
     * The anchor GitHub gives a heading: its text in lower case, without the characters that are
     * neither letters, digits, spaces, hyphens nor underscores, each space a hyphen.
     */
    static String slug(String heading) {
        return heading.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
    }

    private static void check(String link, Path file, String anchor, List<String> broken) throws IOException {
        if (!Files.exists(file)) {
            broken.add(link + ": no file " + file);
        } else if (anchor != null && !anchor.isEmpty()
                && (!file.toString().endsWith(".md") || !anchors(file).contains(anchor))) {
            broken.add(link + ": no heading #" + anchor + " in " + file);
        }
    }

    private static List<String> markdownLinks(Path document) throws IOException {
        List<String> links = new ArrayList<>();
        boolean fenced = false;
        for (String line : Files.readAllLines(document)) {
            if (line.strip().startsWith("```")) {
                fenced = !fenced;
            } else if (!fenced) {
                Matcher link = MARKDOWN_LINK.matcher(line);
                while (link.find()) {
                    links.add(link.group(1));
                }
            }
        }
        return links;
    }

    private static boolean isText(Path file) {
        String name = file.getFileName().toString();
        return CODE_EXTENSIONS.stream().anyMatch(name::endsWith);
    }

    /** Each environment variable application.properties reads: the properties that read it, with their defaults. */
    private static Map<String, Map<String, String>> variablesRead() throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(PROPERTIES)) {
            properties.load(reader);
        }
        Map<String, Map<String, String>> read = new TreeMap<>();
        for (String property : new TreeSet<>(properties.stringPropertyNames())) {
            Matcher variable = VARIABLE.matcher(properties.getProperty(property));
            while (variable.find()) {
                read.computeIfAbsent(variable.group(1), name -> new LinkedHashMap<>()).put(property,
                        variable.group(2));
            }
        }
        return read;
    }

    /** The rows of the settings tables in docs/configuration.md, by variable. */
    private static Map<String, Setting> documented() throws IOException {
        Map<String, Setting> settings = new TreeMap<>();
        for (String line : Files.readAllLines(CONFIGURATION)) {
            Matcher row = SETTING_ROW.matcher(line);
            if (row.find()) {
                Setting previous = settings.put(row.group(1), new Setting(row.group(2), row.group(3).trim()));
                assertThat(previous).as("%s listed twice in %s", row.group(1), CONFIGURATION).isNull();
            }
        }
        return settings;
    }

    private record Setting(String property, String defaultValue) {
    }
}
