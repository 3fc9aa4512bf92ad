package io.totesys.pipeline.world;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Values that look like ToteSys's own (names, companies, phones, file names, item codes,
 * account numbers), drawn from the simulator's random source so that a seed gives the same
 * ToteSys every time.
 */
final class FakeValues {

    static final String[] FIRST_NAMES = {"Jeremie", "Deron", "Jeanette", "Ana", "Magdalena", "Korey",
            "Raphael", "Oswaldo", "Brody", "Jazmyn", "Meda", "Imani", "Stan", "Rigoberto", "Tom", "Pierre", "Flavio",
            "Giovani", "Bridget", "Leta"};
    static final String[] LAST_NAMES = {"Franey", "Beier", "Erdman", "Glover", "Zieme", "Reichert",
            "Rippin", "Bashirian", "Langosh", "Kuhlman", "Cremin", "Schmidt", "Lehner", "Marvin", "Hane", "O'Hara",
            "Kilback", "Runolfsdottir", "D'Amore", "Predovic"};
    static final String[] COMPANY_WORDS = {"Fahey", "Leannon", "Predovic", "Morar", "Armstrong",
            "Kohler", "Frami", "Mraz", "Padberg", "Lueilwitz", "Johnson", "Kling", "Yost", "Hermann", "O'Keefe",
            "Bosco", "Moen", "Toy", "Jacobson", "Grady"};
    static final String[] STREETS = {"Herzog Via", "Alexie Cliffs", "Sincere Fort", "Rogahn Skyway",
            "Upton Track", "Kohler Estate", "Bauch Cape", "O'Conner Lock", "Kuhic Grove", "Murray Rapid"};
    static final String[] CITIES = {"New Patienceburgh", "Aliso Viejo", "Lake Charles", "Olsonside",
            "Fort Shadburgh", "Kendraburgh", "Suffolk", "East Bobbie", "Pricetown", "Bentleyport"};
    static final String[] DISTRICTS = {"Avon", "Bedfordshire", "Buckinghamshire", "Cambridgeshire",
            "Cheshire", "Cornwall"};
    static final String[] COUNTRIES = {"Turkey", "San Marino", "Samoa", "Republic of Korea",
            "Falkland Islands (Malvinas)", "Austria", "Democratic People's Republic of Korea", "Congo", "Germany",
            "Iceland"};
    static final String[][] DEPARTMENTS = {{"Sales", "Manchester", "Richard Roma"},
            {"Purchasing", "Manchester", "Naomi Lapaglia"}, {"Production", "Leeds", "Chester Ming"},
            {"Dispatch", "Leds", "Mark Hanna"}, {"Finance", "Manchester", "Jordan Belfort"},
            {"Facilities", "Manchester", "Shelley Levene"}, {"Communications", "Leeds", "Ann Blake"},
            {"HR", "Leeds", "James Link"}};
    static final String[] MATERIALS = {"Wooden", "Steel", "Granite", "Bronze", "Cotton", "Rubber",
            "Plastic", "Concrete", "Frozen", "Soft", "Fresh", "Metal"};
    static final String[] FOLDERS = {"/lib", "/etc/periodic", "/usr", "/private", "/System", "/Users",
            "/opt/include", "/home/user/dir"};
    static final String[] CURRENCIES = {"GBP", "USD", "EUR"};
    static final String[] PAYMENT_TYPES = {"SALES_RECEIPT", "SALES_REFUND", "PURCHASE_PAYMENT",
            "PURCHASE_REFUND"};

    private final SplittableRandom random;

    FakeValues(SplittableRandom random) {
        this.random = random;
    }

    String companyName() {
        return switch (random.nextInt(3)) {
            case 0 -> pick(COMPANY_WORDS) + " and Sons";
            case 1 -> pick(COMPANY_WORDS) + ", " + pick(COMPANY_WORDS) + " and " + pick(COMPANY_WORDS);
            default -> pick(COMPANY_WORDS) + " - " + pick(COMPANY_WORDS);
        };
    }

    String person() {
        return pick(FIRST_NAMES) + " " + pick(LAST_NAMES);
    }

    String phone() {
        return String.format(Locale.ROOT, "%04d %06d", random.nextInt(10_000), random.nextInt(1_000_000));
    }

    static String email(String first, String last) {
        return (first + "." + last).toLowerCase(Locale.ROOT).replace("'", "") + "@terrifictotes.com";
    }

    String fileName(String material) {
        return material.toLowerCase(Locale.ROOT) + "-" + (2020 + random.nextInt(5))
                + String.format(Locale.ROOT, "%02d%02d", 1 + random.nextInt(12), 1 + random.nextInt(28)) + "-"
                + randomLetters(4, "abcdefghijklmnopqrstuvwxyz0123456789") + ".json";
    }

    String itemCode() {
        return randomLetters(7, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
    }

    String randomLetters(int length, String alphabet) {
        StringBuilder letters = new StringBuilder(length);
        for (int index = 0; index < length; index++) {
            letters.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return letters.toString();
    }

    int account() {
        return 10_000_000 + random.nextInt(90_000_000);
    }

    String pick(String[] values) {
        return values[random.nextInt(values.length)];
    }
}
