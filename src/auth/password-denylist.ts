/**
 * The built-in denylist of common passwords, generated from well-known patterns: the roots people
 * pick most (words, names, keyboard walks, digit runs) combined with the suffixes they add to
 * satisfy length and digit rules. Built lazily on first use (a few thousand entries).
 */

/** Roots that make up most of the commonly guessed passwords. Lowercase, letters only where possible. */
export const COMMON_PASSWORD_ROOTS: readonly string[] = [
  "password", "passw0rd", "pass", "passwd", "passpass", "mypassword", "letmein", "welcome", "admin", "administrator",
  "login", "master", "root", "guest", "user", "test", "testing", "demo", "default", "changeme", "secret", "access",
  "temp", "temporary", "secure", "security", "qwerty", "qwertz", "azerty", "qwertyuiop", "asdf", "asdfgh", "asdfghjkl",
  "zxcv", "zxcvbn", "zxcvbnm", "qazwsx", "qweasd", "qweasdzxc", "abc", "abcd", "abcdef", "abcdefg", "abcdefgh",
  "iloveyou", "loveyou", "love", "lovely", "lover", "loveme", "sunshine", "princess", "shadow", "superman", "batman",
  "spiderman", "starwars", "pokemon", "naruto", "trustno", "whatever", "freedom", "dragon", "monkey", "tiger", "tigger",
  "football", "baseball", "basketball", "soccer", "hockey", "golf", "tennis", "charlie", "michael", "jennifer",
  "jessica", "ashley", "daniel", "thomas", "jordan", "hunter", "killer", "hello", "helloworld", "flower", "summer",
  "winter", "spring", "autumn", "cookie", "cheese", "computer", "internet", "orange", "banana", "chocolate", "mustang",
  "ferrari", "harley", "ranger", "buster", "pepper", "ginger", "maggie", "bailey", "matrix", "samsung", "apple",
  "google", "android", "iphone", "nothing", "blahblah", "angel", "baby", "blessed", "jesus", "heaven", "family",
  "friends", "forever", "money", "office", "company", "purple", "yellow", "silver", "golden", "diamond", "phoenix",
  "thunder", "warrior", "wizard", "knight", "soldier", "zombie", "ninja", "pirate", "rockstar", "superstar",
  "michelle", "andrew", "joshua", "matthew", "robert", "william", "george", "anthony", "nicole", "amanda", "melissa",
  "sophie", "olivia", "liverpool", "chelsea", "arsenal", "barcelona", "madrid", "london", "paris", "berlin", "america",
  "canada", "england", "welcome1", "letmein1", "starwars1", "p@ssword", "p@ssw0rd", "passwort", "motdepasse",
  "contrasena", "senha", "parola", "haslo", "wachtwoord", "salasana", "covara",
];

/** Keyboard walks and digit runs that appear on their own. */
const STANDALONE: readonly string[] = [
  "123456", "1234567", "12345678", "123456789", "1234567890", "0123456789", "987654321", "9876543210", "654321",
  "111111", "11111111", "000000", "00000000", "121212", "123123", "123321", "112233", "159753", "147258369", "147258",
  "258456", "456789", "666666", "696969", "777777", "888888", "999999", "555555", "222222", "333333", "444444",
  "1q2w3e", "1q2w3e4r", "1q2w3e4r5t", "q1w2e3r4", "1qaz2wsx", "1qazxsw2", "zaq12wsx", "zaq1xsw2", "qwe123", "asd123",
  "zxc123", "abc123", "a1b2c3", "aa123456", "qwerty123", "1qaz!qaz", "!qaz2wsx", "qwerty1!", "password1!",
];

/** What people append to a root to pass length and digit rules. */
const SUFFIXES: readonly string[] = [
  "", "1", "2", "3", "7", "0", "00", "01", "11", "12", "13", "21", "22", "23", "69", "77", "88", "99", "007", "123",
  "1234", "12345", "123456", "321", "!", "!!", "1!", "12!", "123!", "@", "@1", "@123", "#1", "#123", "$", ".", "*",
  "2000", "2001", "2010", "2015", "2016", "2017", "2018", "2019", "2020", "2021", "2022", "2023", "2024", "2025", "2026",
];

let cached: ReadonlySet<string> | undefined;

/** The built-in denylist (lowercase), generated once. */
export function builtInDenylist(): ReadonlySet<string> {
  if (cached !== undefined) return cached;
  const set = new Set<string>(STANDALONE);
  for (const root of COMMON_PASSWORD_ROOTS) {
    for (const suffix of SUFFIXES) set.add(root + suffix);
  }
  cached = set;
  return set;
}
