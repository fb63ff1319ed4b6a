//! What a lab asks beside the network: the ticket it starts from, the texts a student
//! writes and hands in, and the rubric a teacher grades by hand. No probe can judge a
//! ticket note or a user instruction; these let a lab ask for them and count them per
//! work process, beside the checks.

use serde::{Deserialize, Serialize};

use super::model::{Text, WorkProcess};

/// An incident as the user reported it: the student starts from this, not from a list
/// of what is broken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// Who reported it: "Anouk, reception (pc1)".
    pub from: Text,
    /// What they said, in their own words.
    pub message: Text,
}

/// A text the student writes and hands in with the lab: a ticket's diagnosis, an
/// instruction for a user, the documentation of a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Writing {
    /// Lowercase letters, digits and dashes; the key of the text in a hand-in.
    pub id: String,
    /// What to write, as the student sees it.
    pub prompt: Text,
}

impl Writing {
    /// What a ticket asks the student to record, as a service desk would.
    pub fn for_ticket() -> Vec<Writing> {
        let writing = |id: &str, nl: &str, en: &str| Writing {
            id: id.to_string(),
            prompt: Text { nl: Some(nl.to_string()), en: Some(en.to_string()) },
        };
        vec![
            writing(
                "diagnosis",
                "Diagnose: wat was de oorzaak, en hoe heb je die gevonden?",
                "Diagnosis: what was the cause, and how did you find it?",
            ),
            writing("solution", "Oplossing: wat heb je veranderd?", "Solution: what did you change?"),
            writing(
                "tested",
                "Getest: hoe heb je vastgesteld dat het werkt en dat niets anders stuk is?",
                "Tested: how did you establish that it works and that nothing else broke?",
            ),
        ]
    }
}

/// One criterion a teacher scores by hand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RubricItem {
    /// Lowercase letters, digits and dashes, unique in the lab.
    pub id: String,
    /// What earns the points, as the grader and the student read it.
    pub criterion: Text,
    /// The most a grader may give, from 0 to 100.
    pub points: f64,
    pub trains: Vec<WorkProcess>,
    /// The hand-in text this criterion is about, shown beside it to the grader.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
}

/// Whether `id` is a valid identifier of a rubric item or a hand-in text.
pub fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    id.len() <= 40
        && matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_asks_for_diagnosis_solution_and_test_in_both_languages() {
        let asked = Writing::for_ticket();
        let ids: Vec<&str> = asked.iter().map(|w| w.id.as_str()).collect();
        assert_eq!(ids, ["diagnosis", "solution", "tested"]);
        assert!(asked.iter().all(|w| w.prompt.nl.is_some() && w.prompt.en.is_some()));
    }

    #[test]
    fn ids_are_short_lowercase_words() {
        assert!(valid_id("ticket-note"));
        assert!(valid_id("w2"));
        assert!(!valid_id("Ticket"));
        assert!(!valid_id("2nd"));
        assert!(!valid_id(""));
        assert!(!valid_id(&"a".repeat(41)));
    }
}
