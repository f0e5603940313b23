//! The privacy guard: columns that look identifying — names, email
//! addresses, phone numbers, postcodes, dates of birth, NHS-number- or
//! SSN-like ids, IP addresses (survey tools export the respondent's) — stop the run unless config drops them (never read) or
//! explicitly allows them. Judged by the column name and by its values.

/// Why a column looks identifying, or `None`.
pub fn identifying(name: &str, values: &[Option<String>]) -> Option<&'static str> {
    by_name(name).or_else(|| identifying_values(name, values))
}

/// Why a column's values look identifying, or `None`. The name says
/// only how to read them (a key worker's values that read as names).
pub(crate) fn identifying_values(name: &str, values: &[Option<String>]) -> Option<&'static str> {
    by_values(values).or_else(|| staff_names(name, values))
}

/// Column names of the people who deliver a programme: key workers,
/// befrienders, volunteers. Their values are often names, published as
/// categories ("Dr Sarah O'Neill, 88") unless stopped.
const STAFF_ROLES: [&str; 17] = [
    "key worker",
    "keyworker",
    "case worker",
    "caseworker",
    "support worker",
    "link worker",
    "worker",
    "staff",
    "staff member",
    "volunteer",
    "befriender",
    "mentor",
    "buddy",
    "coach",
    "counsellor",
    "therapist",
    "practitioner",
];

/// A title and a capitalised word: `Dr Sarah O'Neill`, `Mrs. Khan`.
fn has_title(text: &str) -> bool {
    const TITLES: [&str; 9] = ["Dr", "Mr", "Mrs", "Ms", "Miss", "Mx", "Prof", "Rev", "Revd"];
    let mut words = text.split_whitespace().peekable();
    while let Some(word) = words.next() {
        let bare = word.trim_end_matches('.');
        if TITLES.contains(&bare) {
            if let Some(next) = words.peek() {
                let mut chars = next.chars();
                if chars.next().is_some_and(|c| c.is_uppercase())
                    && chars.next().is_some_and(|c| c.is_lowercase() || c == '\'')
                {
                    return true;
                }
            }
        }
    }
    false
}

/// Two to four capitalised words of letters: `Sarah O'Neill`, `Jo
/// Bloggs-Smith`.
fn looks_like_a_name(text: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    (2..=4).contains(&words.len())
        && words.iter().all(|w| {
            w.chars().next().is_some_and(char::is_uppercase)
                && w.chars().all(|c| c.is_alphabetic() || "'-.’".contains(c))
        })
}

/// Up to 500 non-empty values, trimmed: enough to judge a column.
fn sample(values: &[Option<String>]) -> Vec<&str> {
    values
        .iter()
        .flatten()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .take(500)
        .collect()
}

/// A person's title in any value, or, in a column named for staff or
/// volunteers, values that read as names.
fn staff_names(name: &str, values: &[Option<String>]) -> Option<&'static str> {
    let sample = sample(values);
    if sample.iter().any(|v| has_title(v)) {
        return Some("people's names (a title such as Dr or Mrs) in its values");
    }
    let words = words(name);
    let staff = STAFF_ROLES.iter().any(|role| {
        words == *role
            || words.starts_with(&format!("{role} "))
            || words.ends_with(&format!(" {role}"))
    });
    let named = sample.iter().filter(|v| looks_like_a_name(v)).count();
    (staff && !sample.is_empty() && named * 2 >= sample.len())
        .then_some("names of staff or volunteers in its values")
}

/// Lower case, words separated by single spaces: `ClientName` → `client
/// name`, `Post-Code` → `post code`.
pub(crate) fn words(name: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && previous_lower {
            out.push(' ');
        }
        previous_lower = c.is_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(' ');
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn by_name(name: &str) -> Option<&'static str> {
    let words = words(name);
    // `D.O.B.`, `d_o_b` and `DoB` split into letters or pieces; joined
    // again they read as the phrase.
    let compact: String = words.chars().filter(|c| *c != ' ').collect();
    let has = |phrase: &str| {
        words == phrase
            || words.starts_with(&format!("{phrase} "))
            || words.ends_with(&format!(" {phrase}"))
            || words.contains(&format!(" {phrase} "))
            || compact == phrase.replace(' ', "")
    };
    let rules: [(&[&str], &'static str); 8] = [
        (
            &[
                "name",
                "first name",
                "firstname",
                "surname",
                "last name",
                "lastname",
                "full name",
                "fullname",
                "forename",
                "given name",
            ],
            "a name column",
        ),
        (&["email", "e mail", "mail"], "an email column"),
        (
            &[
                "phone",
                "mobile",
                "telephone",
                "tel",
                "phone number",
                "contact number",
            ],
            "a phone number column",
        ),
        (
            &[
                "postcode",
                "post code",
                "zip",
                "zipcode",
                "zip code",
                "postal code",
                "address",
                "street",
            ],
            "an address or postcode column",
        ),
        (
            &[
                "dob",
                "date of birth",
                "birth date",
                "birthdate",
                "birthday",
                "born",
            ],
            "a date of birth column",
        ),
        (
            &["nhs", "nhs number", "nhs no", "chi number"],
            "an NHS number column",
        ),
        (
            &[
                "ssn",
                "social security",
                "national insurance",
                "ni number",
                "nino",
                "passport",
            ],
            "a national identity number column",
        ),
        (
            &["ip", "ip address", "ipaddress", "ip addr"],
            "an IP address column",
        ),
    ];
    rules
        .iter()
        .find(|(phrases, _)| phrases.iter().any(|p| has(p)))
        .map(|(_, why)| *why)
}

fn is_email(text: &str) -> bool {
    let Some((user, domain)) = text.split_once('@') else {
        return false;
    };
    !user.is_empty() && !text.contains(' ') && domain.contains('.') && !domain.ends_with('.')
}

/// An IPv4 (`192.168.0.12`) or IPv6 (`2001:db8::1`) address.
fn is_ip_address(text: &str) -> bool {
    text.parse::<std::net::IpAddr>().is_ok()
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

fn is_phone(text: &str) -> bool {
    let allowed = text
        .chars()
        .all(|c| c.is_ascii_digit() || " +-()".contains(c));
    let d = digits(text);
    allowed && (10..=13).contains(&d.len()) && (text.starts_with('0') || text.starts_with('+'))
}

/// UK postcodes: `SW1A 1AA`, `M1 1AE`, `B33 8TH`.
fn is_postcode(text: &str) -> bool {
    let compact: Vec<char> = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if !(5..=7).contains(&compact.len()) {
        return false;
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    let inward_ok = inward[0].is_ascii_digit()
        && inward[1].is_ascii_alphabetic()
        && inward[2].is_ascii_alphabetic();
    let outward_ok = outward[0].is_ascii_alphabetic()
        && outward.iter().any(char::is_ascii_digit)
        && outward.iter().all(char::is_ascii_alphanumeric);
    inward_ok && outward_ok
}

/// Ten digits whose modulus-11 check digit is right.
fn is_nhs_number(text: &str) -> bool {
    let allowed = text
        .chars()
        .all(|c| c.is_ascii_digit() || c == ' ' || c == '-');
    let d: Vec<u32> = digits(text)
        .chars()
        .filter_map(|c| c.to_digit(10))
        .collect();
    if !allowed || d.len() != 10 {
        return false;
    }
    let sum: u32 = d[..9]
        .iter()
        .enumerate()
        .map(|(i, v)| v * (10 - i as u32))
        .sum();
    let check = (11 - sum % 11) % 11;
    check != 10 && check == d[9]
}

fn is_ssn(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    matches!(parts.as_slice(), [a, b, c] if a.len() == 3 && b.len() == 2 && c.len() == 4
        && parts.iter().all(|p| p.chars().all(|ch| ch.is_ascii_digit())))
}

/// UK National Insurance numbers: `QQ 12 34 56 C` (two prefix letters,
/// six digits, a suffix A to D), spaces optional. The prefix rules are
/// not applied: a guard errs towards asking.
fn is_ni_number(text: &str) -> bool {
    let compact: Vec<char> = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    compact.len() == 9
        && compact[0].is_ascii_alphabetic()
        && compact[1].is_ascii_alphabetic()
        && compact[2..8].iter().all(char::is_ascii_digit)
        && ('A'..='D').contains(&compact[8])
}

/// An email address anywhere in a longer text (`call me on a@b.org`).
fn contains_email(text: &str) -> bool {
    text.split(|c: char| c.is_whitespace() || "<>()[],;:\"'".contains(c))
        .any(|word| is_email(word.trim_end_matches('.')))
}

/// A phone number anywhere in a longer text: a run of digits, spaces and
/// `+-()` that reads as one.
fn contains_phone(text: &str) -> bool {
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once('.')) {
        if c.is_ascii_digit() || " +-()".contains(c) {
            run.push(c);
            continue;
        }
        let candidate = run.trim_matches(|c: char| c == ' ' || c == '-' || c == '(' || c == ')');
        if is_phone(candidate) {
            return true;
        }
        run.clear();
    }
    false
}

/// A test of one value.
type Check = fn(&str) -> bool;

/// Half or more of up to 500 values look like one kind of identifier.
fn by_values(values: &[Option<String>]) -> Option<&'static str> {
    let sample = sample(values);
    if sample.len() < 3 {
        return None;
    }
    let checks: [(Check, &'static str); 7] = [
        (is_email, "email addresses in its values"),
        (is_phone, "phone numbers in its values"),
        (is_postcode, "postcodes in its values"),
        (is_nhs_number, "NHS numbers in its values"),
        (is_ssn, "social security numbers in its values"),
        (is_ni_number, "National Insurance numbers in its values"),
        (is_ip_address, "IP addresses in its values"),
    ];
    let whole = checks.iter().find_map(|(check, why)| {
        let hits = sample.iter().filter(|v| check(v)).count();
        (hits * 2 >= sample.len()).then_some(*why)
    });
    // In free text one address or number is already a person's.
    let inside: [(Check, &'static str); 2] = [
        (contains_email, "email addresses inside its text"),
        (contains_phone, "phone numbers inside its text"),
    ];
    whole.or_else(|| {
        inside
            .iter()
            .find(|(check, _)| sample.iter().any(|v| v.contains(' ') && check(v)))
            .map(|(_, why)| *why)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(items: &[&str]) -> Vec<Option<String>> {
        items.iter().map(|s| Some(s.to_string())).collect()
    }

    #[test]
    fn names_that_identify() {
        for name in [
            "Name",
            "first_name",
            "Surname",
            "Email",
            "e-mail",
            "Mobile",
            "Post Code",
            "DOB",
            "Date of birth",
            "NHS Number",
            "SSN",
            "ClientName",
            "DoB",
            "D.O.B.",
            "d_o_b",
            "N.I. number",
            "IPAddress",
            "ip_address",
            "Client IP",
        ] {
            assert!(by_name(name).is_some(), "{name}");
        }
        for name in [
            "participant_id",
            "site",
            "age_band",
            "cohort",
            "arm",
            "enrolled_on",
            "activity",
            "lives_alone",
            "username_hash_free",
            "recipient_group",
        ] {
            assert!(by_name(name).is_none(), "{name}");
        }
    }

    #[test]
    fn names_of_staff_are_caught_and_groups_are_not() {
        let named = values(&["Dr Sarah O'Neill", "Jo Bloggs", "Amir Khan"]);
        assert!(identifying("key_worker", &named).is_some());
        assert!(identifying("KeyWorker", &values(&["Jo Bloggs", "Amir Khan"])).is_some());
        assert!(identifying("referred_by", &values(&["GP", "self", "Mrs. Patel"])).is_some());
        // Coded workers and ordinary categories are not names.
        assert!(identifying("key_worker", &values(&["KW01", "KW02", "KW03"])).is_none());
        assert!(identifying(
            "referred_by",
            &values(&["GP", "Self referral", "MS Society"])
        )
        .is_none());
        assert!(identifying(
            "site",
            &values(&["St Mark's", "Northgate", "Walking Group"])
        )
        .is_none());
        assert!(identifying("activity", &values(&["Walking group", "Shared Lunch"])).is_none());
    }

    #[test]
    fn values_that_identify() {
        assert!(by_values(&values(&["a@b.org", "c@d.com", "x@y.net"])).is_some());
        assert!(by_values(&values(&[
            "07700 900123",
            "+44 7700 900456",
            "020 7946 0018"
        ]))
        .is_some());
        assert!(by_values(&values(&["SW1A 1AA", "M1 1AE", "B33 8TH"])).is_some());
        assert!(by_values(&values(&["943 476 5919", "9434765919", "943-476-5919"])).is_some());
        assert!(by_values(&values(&["078-05-1120", "219-09-9999", "123-45-6789"])).is_some());
        assert!(by_values(&values(&["P0001", "P0002", "P0003"])).is_none());
        assert!(by_values(&values(&["2024-autumn", "Northgate", "65-74"])).is_none());
        assert!(by_values(&values(&["1", "2", "3", "4"])).is_none());
        assert!(by_values(&values(&["QQ 12 34 56 C", "AB123456D", "qq123456a"])).is_some());
        assert!(by_values(&values(&["192.168.0.12", "81.2.69.160", "2001:db8::1"])).is_some());
        assert!(by_values(&values(&["1.5", "2.25", "3.0"])).is_none());
        assert!(by_values(&values(&[
            "lovely group",
            "ring her on 07700 900123 please",
            "came twice"
        ]))
        .is_some());
        assert!(by_values(&values(&[
            "fine",
            "wrote to sam@example.org, no reply",
            "ok"
        ]))
        .is_some());
        assert!(by_values(&values(&[
            "met on 2024-01-05 at 10:30",
            "session 12 of 18",
            "walk of 3 km"
        ]))
        .is_none());
    }
}
