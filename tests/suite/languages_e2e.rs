//! Languages end to end: the real bot answers each member in their Discord locale, posts in
//! the server's, registers its commands with every localization, and reads Chinese units.

use crate::support;
use support::bot::{ALLOWED_ROLE, BotHarness, OTHER_ROLE, REPLY_TIMEOUT, wait_until};
use support::discord::{
    CommandInteraction, CommandScope, ComponentInteraction, GUILD_ID, MANAGE_GUILD, Reply, USER_ID,
};

const ADMIN: u64 = 1_180_000_000_000_000_900;
const APPROVER: u64 = 1_180_000_000_000_000_901;
const APPROVER_ROLE: u64 = 1_180_000_000_000_000_601;
const AUDIT_ROOM: u64 = 1_180_000_000_000_009_001;
const APPROVALS_ROOM: u64 = 1_180_000_000_000_009_002;

fn admin(group: Option<&str>, sub: &str) -> CommandInteraction {
    CommandInteraction::admin(group, sub)
        .permissions(MANAGE_GUILD)
        .user(ADMIN, "admin")
}

#[track_caller]
fn says(reply: &Reply, needles: &[&str]) {
    let text = reply.final_content();
    for needle in needles {
        assert!(text.contains(needle), "expected {needle:?} in:\n{text}");
    }
}

/// What a member reading `locale` must see for three refusals and a success.
struct Words {
    locale: &'static str,
    missing_role: &'static str,
    bad_expiry: &'static str,
    nothing_shared: &'static str,
    link: &'static str,
    /// `1小时30分` as the reply writes it.
    ninety_minutes: &'static str,
}

const WORDS: [Words; 5] = [
    Words {
        locale: "zh-CN",
        missing_role: "您的身份组均未获准分享",
        bad_expiry: "有效期无效",
        nothing_shared: "未分享任何内容",
        link: "这是您的分享链接",
        ninety_minutes: "1 小时 30 分钟",
    },
    Words {
        locale: "zh-TW",
        missing_role: "您的身分組都未獲准分享",
        bad_expiry: "有效期限無效",
        nothing_shared: "未分享任何內容",
        link: "這是您的分享連結",
        ninety_minutes: "1 小時 30 分鐘",
    },
    Words {
        locale: "ja",
        missing_role: "あなたのロールはいずれも共有を許可されていません",
        bad_expiry: "有効期限が無効です",
        nothing_shared: "共有されていません",
        link: "共有リンクはこちらです",
        ninety_minutes: "1 時間 30 分",
    },
    Words {
        locale: "en-US",
        missing_role: "None of your roles is allowed to share",
        bad_expiry: "That expiry is not valid",
        nothing_shared: "Nothing was shared",
        link: "Here is your share link",
        ninety_minutes: "1h30m",
    },
    // A language the bot does not speak: English.
    Words {
        locale: "ko",
        missing_role: "None of your roles is allowed to share",
        bad_expiry: "That expiry is not valid",
        nothing_shared: "Nothing was shared",
        link: "Here is your share link",
        ninety_minutes: "1h30m",
    },
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_member_is_answered_in_their_language_and_chinese_units_work_everywhere() {
    let h = BotHarness::start("e2e_languages", &[]).await;
    h.allow_role(ALLOWED_ROLE).await;
    for (n, w) in WORDS.iter().enumerate() {
        let share = |id: &str| {
            CommandInteraction::share("job")
                .option_str("id", id)
                .locale(w.locale)
                .user(USER_ID + n as u64, "member")
        };
        let (_, denied) = h.ask(share("dlc-lang").roles([OTHER_ROLE]).build()).await;
        says(&denied, &[w.missing_role]);
        let (_, bad) = h
            .ask(
                share("dlc-lang")
                    .roles([ALLOWED_ROLE])
                    .option_str("expiry", "5年")
                    .build(),
            )
            .await;
        says(&bad, &[w.bad_expiry, "`5年`", w.nothing_shared]);
        let (id, issued) = h
            .ask(
                share(&format!("dlc-{}", w.locale))
                    .roles([ALLOWED_ROLE])
                    .option_str("expiry", "1小时30分")
                    .build(),
            )
            .await;
        says(&issued, &[w.link, w.ninety_minutes]);
        assert!(issued.is_ephemeral());
        assert_eq!(
            h.audit_row(&id).await["expire_seconds"],
            5_400,
            "{}",
            w.locale
        );
    }
    let lifetimes: Vec<String> = h
        .pai_dlc
        .seen()
        .iter()
        .map(|r| r.query["ExpireTime"].clone())
        .collect();
    assert_eq!(lifetimes, ["5400"; 5], "1小时30分 in every locale");

    // Autocomplete labels are in the member's words; the values stay what the parser reads.
    let suggest = |typed: &'static str| async {
        let id = h
            .discord
            .send_interaction(
                CommandInteraction::share("job")
                    .option_str("id", "dlc-lang")
                    .option_str("expiry", typed)
                    .autocomplete("expiry")
                    .locale("ja")
                    .build(),
            )
            .await;
        h.discord
            .wait_for_reply(&id, REPLY_TIMEOUT)
            .await
            .expect("autocomplete answered")
            .choices()
    };
    let typed = suggest("1小时30分").await;
    assert_eq!(typed[0]["name"], "1小时30分（1 時間 30 分）", "{typed:?}");
    assert_eq!(typed[0]["value"], "1小时30分");
    let common = suggest("").await;
    assert!(
        common
            .iter()
            .any(|c| c["name"] == "12 時間" && c["value"] == "12h"),
        "{common:?}"
    );

    // The registration payload carries every localization; command and option names stay English.
    let commands = h.discord.commands(CommandScope::Guild(GUILD_ID));
    let share = &commands[0];
    assert_eq!(share["name"], "share");
    assert_eq!(
        share["description_localizations"]["ja"],
        "PAI-DLC ジョブまたは TensorBoard を期限付きのリンクで共有します"
    );
    let expiry = &share["options"][0]["options"][1];
    assert_eq!(expiry["name"], "expiry");
    for code in ["zh-CN", "zh-TW", "ja"] {
        let text = expiry["description_localizations"][code].as_str().unwrap();
        assert!(text.chars().count() <= 100, "{code}: {text}");
    }
    // `/share-admin`'s groups: roles, channels, workspaces, policy (its third subcommand: clear).
    let clear = &commands[1]["options"][3]["options"][2]["options"][0];
    assert_eq!(clear["name"], "setting");
    assert_eq!(
        clear["choices"][0]["name_localizations"]["zh-CN"],
        "默认有效期"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_posts_follow_the_servers_language_and_the_requester_hears_in_theirs() {
    let h = BotHarness::start("e2e_languages_posts", &[]).await;
    for setup in [
        admin(Some("roles"), "add")
            .option_role("role", ALLOWED_ROLE)
            .option_str("max_expiry", "1h"),
        admin(Some("policy"), "set")
            .option_channel("audit_channel", AUDIT_ROOM)
            .option_channel("approvals_channel", APPROVALS_ROOM)
            .option_role("approver_role", APPROVER_ROLE),
    ] {
        h.ask(setup.build()).await;
    }
    // A Japanese server; the member reads Simplified Chinese.
    let share = |expiry: &str| {
        CommandInteraction::share("job")
            .option_str("id", "dlc-weekend")
            .option_str("expiry", expiry)
            .roles([ALLOWED_ROLE])
            .locale("zh-CN")
            .guild_locale("ja")
            .build()
    };
    let (_, within) = h.ask(share("30m")).await;
    says(&within, &["这是您的分享链接", "30 分钟"]);
    let posts = h
        .discord
        .wait_for_channel_messages(AUDIT_ROOM, 1, REPLY_TIMEOUT)
        .await;
    let post = posts[0]["content"].as_str().unwrap().to_owned();
    assert!(
        post.contains("`dlc-weekend`（有効期限 30 分） → **発行済み**"),
        "{post}"
    );

    let (share_id, asked) = h.ask(share("1d")).await;
    says(&asked, &["已发送至", "1 天"]);
    let cards = h
        .discord
        .wait_for_channel_messages(APPROVALS_ROOM, 1, REPLY_TIMEOUT)
        .await;
    let card = cards[0].clone();
    assert_eq!(
        card["embeds"][0]["title"], "承認待ちの共有リクエスト",
        "{card}"
    );
    let buttons: Vec<&str> = card["components"][0]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["label"].as_str().unwrap())
        .collect();
    assert_eq!(buttons, ["承認", "却下"]);

    // The approver reads Traditional Chinese: their answer is in it, the card stays Japanese,
    // and the requester is told in Simplified Chinese.
    let approve = card["components"][0]["components"][0]["custom_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, approved) = h
        .ask(
            ComponentInteraction::button(&approve, &card)
                .user(APPROVER, "approver")
                .roles([APPROVER_ROLE])
                .locale("zh-TW")
                .guild_locale("ja")
                .build(),
        )
        .await;
    says(&approved, &["您已核准此請求"]);
    let card_now = || h.discord.channel_messages(APPROVALS_ROOM)[0].clone();
    assert!(wait_until(|| card_now()["components"] == serde_json::json!([])).await);
    let decided = card_now()["embeds"][0]["description"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        decided.contains(&format!("<@{APPROVER}> が承認しました")),
        "{decided}"
    );
    assert!(wait_until(|| !h.discord.dm_messages(USER_ID).is_empty()).await);
    let dm = h.discord.dm_messages(USER_ID)[0].clone();
    let told = dm["content"].as_str().unwrap();
    assert!(told.contains("批准") && told.contains("1 天"), "{dm}");
    assert_eq!(dm["components"][0]["components"][0]["label"], "领取链接");
    let edits = h.discord.replies(&share_id).edits;
    assert_eq!(edits.len(), 2, "{edits:?}");
    assert!(edits[1]["content"].as_str().unwrap().contains("批准"));

    let claim = dm["components"][0]["components"][0]["custom_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, link) = h
        .ask(
            ComponentInteraction::button(&claim, &dm)
                .user(USER_ID, "tester")
                .in_dm()
                .locale("zh-CN")
                .build(),
        )
        .await;
    says(&link, &["这是您的分享链接", "1 天"]);
    // The audit channel, in Japanese, heard of each attempt (the approval request included).
    let posts = h
        .discord
        .wait_for_channel_messages(AUDIT_ROOM, 2, REPLY_TIMEOUT)
        .await;
    let texts: Vec<&str> = posts.iter().filter_map(|p| p["content"].as_str()).collect();
    assert!(texts[1].contains("承認待ち"), "{texts:?}");
}
