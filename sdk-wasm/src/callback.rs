//! The redirect back from the provider: its parameters, and the address without them.
//!
//! `code` and `state` are one-time values; leaving them in the address bar would put them in
//! the history, in bookmarks and in the `Referer` of the next request. [`without_one_time`]
//! gives the URL to put back with `history.replaceState`.

use crate::claims::form_decode;

/// The parameters a provider (or Kith's own server-driven flow) sends back.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Callback {
    pub state: String,
    pub code: Option<String>,
    pub error: Option<String>,
    pub error_description: String,
}

/// The query parameters that belong to the sign-in and nothing else (RFC 6749 section 4.1.2,
/// RFC 9207 `iss`, OIDC session management `session_state`).
const ONE_TIME: [&str; 7] = [
    "code",
    "state",
    "iss",
    "session_state",
    "error",
    "error_description",
    "error_uri",
];

/// `(before the query, the query, the fragment)`.
fn split(url: &str) -> (&str, &str, Option<&str>) {
    let (rest, fragment) = match url.split_once('#') {
        Some((rest, fragment)) => (rest, Some(fragment)),
        None => (url, None),
    };
    let (base, query) = rest.split_once('?').unwrap_or((rest, ""));
    (base, query, fragment)
}

/// Reads the callback's parameters from its URL's query (the first of each wins).
pub fn parse(url: &str) -> Callback {
    let (_, query, _) = split(url);
    let (mut state, mut code, mut error, mut description) = (None, None, None, None);
    for (key, value) in form_decode(query) {
        let slot = match key.as_str() {
            "state" => &mut state,
            "code" => &mut code,
            "error" => &mut error,
            "error_description" => &mut description,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(value);
        }
    }
    Callback {
        state: state.unwrap_or_default(),
        code,
        error,
        error_description: description.unwrap_or_default(),
    }
}

/// The same URL with the sign-in's one-time parameters removed (the others kept as written).
pub fn without_one_time(url: &str) -> String {
    let (base, query, fragment) = split(url);
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or_default();
            !ONE_TIME
                .iter()
                .any(|k| form_decode(key).first().is_some_and(|(d, _)| d == k))
        })
        .collect();
    let mut out = String::with_capacity(url.len());
    out.push_str(base);
    if !kept.is_empty() {
        out.push('?');
        out.push_str(&kept.join("&"));
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_code_state_and_errors_percent_decoded() {
        let cb = parse("https://app/cb?code=a%2Bb&state=s1&x=1#frag");
        assert_eq!(cb.code.as_deref(), Some("a+b"));
        assert_eq!(cb.state, "s1");
        let err =
            parse("https://app/cb?error=access_denied&error_description=User+said+no&state=s");
        assert_eq!(err.error.as_deref(), Some("access_denied"));
        assert_eq!(err.error_description, "User said no");
    }

    #[test]
    fn a_second_state_parameter_cannot_override_the_first() {
        assert_eq!(parse("https://app/?state=good&state=evil").state, "good");
    }

    #[test]
    fn one_time_parameters_leave_the_address_and_the_others_stay() {
        assert_eq!(
            without_one_time("https://app/cb?tab=2&code=c&state=s&iss=https%3A%2F%2Fop#top"),
            "https://app/cb?tab=2#top"
        );
        assert_eq!(
            without_one_time("https://app/?code=c&state=s"),
            "https://app/"
        );
        assert_eq!(without_one_time("https://app/?co%64e=c"), "https://app/");
        assert_eq!(without_one_time("https://app/page"), "https://app/page");
    }
}
