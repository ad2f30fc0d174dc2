/*
 * moodbot overlay: draws the chat mood that the bot pushes over the /ws websocket.
 *
 * Runs in OBS's embedded Chrome 103, so: plain ES2021, no modules, no dependencies.
 * Reaction texts come straight from chat and are untrusted: they only ever reach the page
 * as text nodes (createTextNode / textContent), never as markup.
 */
"use strict";

(function () {
  // ---------- labels ----------

  const LABELS = {
    en: {
      moods: {
        hyped: "Chat is hyped",
        happy: "Chat is happy",
        laughing: "Chat is laughing",
        calm: "Chat is calm",
        tense: "Chat is tense",
        sad: "Chat is sad",
        quiet: "Chat is quiet",
        loading: "Warming up…",
        waiting: "Waiting for chat…",
      },
      unknownMood: "Chat mood",
      rateUnit: "msg/s",
      spark: "last 5 min",
      noReactions: "No reactions yet",
      status: {
        connecting: "connecting…",
        live: "live",
        reconnecting: "chat reconnecting…",
        ended: "stream ended",
        offline: "reconnecting…",
      },
      messages: (n, formatted) => formatted + (n === 1 ? " message" : " messages"),
      skipped: (formatted) => "+" + formatted + " skipped",
      legend: { negative: "negative", neutral: "neutral", positive: "positive" },
    },
    id: {
      moods: {
        hyped: "Chat lagi hype",
        happy: "Chat lagi senang",
        laughing: "Chat lagi ngakak",
        calm: "Chat lagi santai",
        tense: "Chat lagi tegang",
        sad: "Chat lagi sedih",
        quiet: "Chat lagi sepi",
        loading: "Bersiap…",
        waiting: "Menunggu chat…",
      },
      unknownMood: "Suasana chat",
      rateUnit: "pesan/dtk",
      spark: "5 menit terakhir",
      noReactions: "Belum ada reaksi",
      status: {
        connecting: "menghubungkan…",
        live: "live",
        reconnecting: "chat menyambung ulang…",
        ended: "stream selesai",
        offline: "menyambung ulang…",
      },
      messages: (n, formatted) => formatted + " pesan",
      skipped: (formatted) => "+" + formatted + " dilewati",
      legend: { negative: "negatif", neutral: "netral", positive: "positif" },
    },
    ja: {
      moods: {
        hyped: "チャット大盛り上がり",
        happy: "チャットご機嫌",
        laughing: "チャット爆笑中",
        calm: "チャットまったり",
        tense: "チャットざわざわ",
        sad: "チャットしんみり",
        quiet: "チャットひっそり",
        loading: "準備中…",
        waiting: "チャット待機中…",
      },
      unknownMood: "チャットの空気",
      rateUnit: "件/秒",
      spark: "直近5分",
      noReactions: "リアクション待ち",
      status: {
        connecting: "接続中…",
        live: "配信中",
        reconnecting: "チャット再接続中…",
        ended: "配信終了",
        offline: "再接続中…",
      },
      messages: (n, formatted) => "コメント " + formatted + "件",
      skipped: (formatted) => "+" + formatted + "件スキップ",
      legend: { negative: "ネガティブ", neutral: "中立", positive: "ポジティブ" },
    },
  };

  // URL `show=` names and the part each one toggles.
  const PARTS = {
    gauge: ".mb-gauge",
    mood: ".mb-mood",
    rate: ".mb-rate",
    spark: ".mb-spark",
    reactions: ".mb-reactions",
    shares: ".mb-shares",
    sources: ".mb-sources",
    status: ".mb-status",
    emotions: ".mb-emotions",
  };

  // Viewers see only the mood. The status line (the chat source's state, message counts) is for
  // the streamer, who also has moodbot's own status line: shown only when `show` names it.
  const ON_STREAM = Object.keys(PARTS).filter((name) => name !== "status");

  const SOURCE_STATES = ["connecting", "live", "reconnecting", "ended"];
  const SPARK_WINDOW_S = 300; // the sparkline shows the last five minutes
  const SPARK_MAX_POINTS = 4000; // safety cap, ~13 updates/s over the window
  const MAX_REACTIONS = 5;
  const NEEDLE_STIFFNESS = 5; // rad/s of the needle's spring: ~1.2 s from one end to the other
  const RETRY_MIN_MS = 500;
  const RETRY_MAX_MS = 10000;
  // The bot sends at least one update per second; this long without one means the link is dead
  // even if the socket has not noticed yet (e.g. after the PC slept).
  const STALE_AFTER_MS = 15000;

  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  // ---------- options from the URL ----------

  function clamp(value, low, high) {
    return Math.min(high, Math.max(low, value));
  }

  function readOptions(search) {
    const params = new URLSearchParams(search);
    const word = (name) => (params.get(name) || "").trim().toLowerCase();
    const oneOf = (name, allowed, fallback) => (allowed.includes(word(name)) ? word(name) : fallback);
    const yes = (name) => ["1", "true", "yes", "on"].includes(word(name));

    const accent = word("accent").replace(/^#/, "");
    const scale = Number.parseFloat(word("scale"));
    const shown = word("show").split(",").map((s) => s.trim()).filter((s) => s in PARTS);

    return {
      theme: oneOf("theme", ["dark", "light", "contrast"], "dark"),
      lang: oneOf("lang", Object.keys(LABELS), "en"),
      accent: /^([0-9a-f]{3}|[0-9a-f]{6})$/.test(accent) ? "#" + accent : null,
      scale: Number.isFinite(scale) ? clamp(scale, 0.5, 3) : null, // null: the CSS decides
      // An empty or unrecognised list would hide everything, which is never what was meant.
      show: new Set(shown.length ? shown : ON_STREAM),
      bare: ["0", "false", "no", "off"].includes(word("card")),
      legend: yes("legend"),
      position: oneOf("position", ["tl", "tr", "bl", "br", "center"], "tl"),
    };
  }

  const options = readOptions(location.search);
  const text = LABELS[options.lang];

  // ---------- elements ----------

  const root = document.documentElement;
  const card = document.getElementById("moodbot");
  const $ = (selector) => card.querySelector(selector);
  const el = {
    gauge: $(".mb-gauge"),
    needle: $(".mb-needle"),
    mood: $(".mb-mood"),
    rateValue: $(".mb-rate-value"),
    rateUnit: $(".mb-rate-unit"),
    sparkLine: $(".mb-spark-line"),
    sparkArea: $(".mb-spark-area"),
    sparkDot: $(".mb-spark-dot"),
    sparkLabel: $(".mb-spark-label"),
    shareNegative: $(".mb-share-negative"),
    shareNeutral: $(".mb-share-neutral"),
    sharePositive: $(".mb-share-positive"),
    shareLabelNegative: $(".mb-share-label-negative"),
    shareLabelPositive: $(".mb-share-label-positive"),
    legend: $(".mb-legend"),
    reactions: $(".mb-reactions"),
    sources: $(".mb-sources"),
    status: $(".mb-status"),
    emotions: $(".mb-emotions"),
    statusText: $(".mb-status-text"),
    statusExtra: $(".mb-status-extra"),
  };

  function applyOptions() {
    root.lang = options.lang;
    root.dataset.theme = options.theme;
    card.dataset.position = options.position;
    card.classList.toggle("mb-bare", options.bare);
    if (options.scale !== null) card.style.setProperty("--mb-scale", String(options.scale));
    if (options.accent) card.style.setProperty("--mb-accent", options.accent);

    for (const [name, selector] of Object.entries(PARTS)) {
      $(selector).hidden = !options.show.has(name);
    }
    // Drop wrappers whose every part is hidden, so they leave no gap behind (inner one first).
    for (const wrapper of [$(".mb-head-text"), $(".mb-head")]) {
      wrapper.hidden = Array.from(wrapper.children).every((child) => child.hidden);
    }
    const legend = options.legend && options.show.has("shares");
    el.legend.hidden = !legend;
    card.classList.toggle("mb-with-legend", legend);
    for (const [share, name] of Object.entries(text.legend)) {
      $(".mb-legend-" + share + " .mb-legend-name").textContent = name;
    }

    el.rateUnit.textContent = text.rateUnit;
    el.sparkLabel.textContent = text.spark;
    el.reactions.dataset.empty = text.noReactions;
  }

  // A scale too big for the source would cut the card off: shrink it (via --mb-fit, leaving
  // --mb-scale as asked) until the card and its margins fit the page.
  function fitToSource() {
    card.style.setProperty("--mb-fit", "1");
    if (window.innerWidth < 50 || window.innerHeight < 50) return; // source not sized yet
    const box = card.getBoundingClientRect();
    const margin = 2 * (parseFloat(getComputedStyle(card).marginLeft) || 0);
    const fit = Math.min(1, window.innerWidth / (box.width + margin), window.innerHeight / (box.height + margin));
    card.style.setProperty("--mb-fit", fit.toFixed(4));
  }

  // ---------- colours (for the needle tip, which takes the arc's colour under it) ----------

  // Any CSS colour string -> [r, g, b], letting the canvas parser do the work.
  function parseColor(css) {
    const ctx = document.createElement("canvas").getContext("2d");
    ctx.fillStyle = "#808080";
    ctx.fillStyle = css.trim();
    const normalised = ctx.fillStyle;
    if (normalised[0] === "#") {
      return [1, 3, 5].map((i) => parseInt(normalised.slice(i, i + 2), 16));
    }
    return (normalised.match(/[\d.]+/g) || ["128", "128", "128"]).slice(0, 3).map(Number);
  }

  // Read after the theme is applied; custom CSS from OBS is honoured too.
  function readPalette() {
    const style = getComputedStyle(card);
    const read = (name) => parseColor(style.getPropertyValue(name) || "#808080");
    return { negative: read("--mb-negative"), neutral: read("--mb-neutral"), positive: read("--mb-positive") };
  }

  function moodColor(palette, value) {
    const end = value < 0 ? palette.negative : palette.positive;
    const t = Math.abs(value);
    const rgb = palette.neutral.map((c, i) => Math.round(c + (end[i] - c) * t));
    return "rgb(" + rgb.join(", ") + ")";
  }

  // ---------- needle animation ----------

  const needle = { target: 0, shown: 0, velocity: 0, lastFrame: 0, running: false };
  let palette = null;

  function drawNeedle(value) {
    el.needle.setAttribute("transform", "rotate(" + (value * 90).toFixed(2) + " 60 60)");
    el.gauge.style.setProperty("--mb-mood-color", moodColor(palette, value));
  }

  // A critically damped spring: the needle eases in and out, keeps its momentum when the target
  // moves again, and never overshoots. The loop stops once settled, so an idle overlay costs
  // OBS nothing.
  function stepNeedle(now) {
    let dt = Math.min(0.1, (now - needle.lastFrame) / 1000);
    needle.lastFrame = now;
    const k = NEEDLE_STIFFNESS;
    while (dt > 0) {
      const h = Math.min(dt, 1 / 120); // small steps keep the integration stable on slow frames
      needle.velocity += (k * k * (needle.target - needle.shown) - 2 * k * needle.velocity) * h;
      needle.shown += needle.velocity * h;
      dt -= h;
    }
    if (Math.abs(needle.target - needle.shown) < 0.0005 && Math.abs(needle.velocity) < 0.005) {
      needle.shown = needle.target;
      needle.velocity = 0;
    }
    drawNeedle(needle.shown);
    if (needle.shown !== needle.target) {
      requestAnimationFrame(stepNeedle);
    } else {
      needle.running = false;
    }
  }

  function setNeedleTarget(value) {
    needle.target = clamp(value, -1, 1);
    if (reducedMotion.matches) {
      needle.shown = needle.target;
      needle.velocity = 0;
      drawNeedle(needle.shown);
      return;
    }
    if (!needle.running) {
      needle.running = true;
      needle.lastFrame = performance.now();
      requestAnimationFrame(stepNeedle);
    }
  }

  // ---------- rendering ----------

  const isNumber = (value) => typeof value === "number" && Number.isFinite(value);
  const numberFormat = new Intl.NumberFormat(options.lang);

  function renderMood(mood) {
    const previous = card.dataset.mood;
    card.dataset.mood = mood;
    el.mood.dataset.mood = mood;
    el.mood.textContent = text.moods[mood] || text.unknownMood;
    if (previous !== mood && !reducedMotion.matches) {
      el.mood.animate(
        [{ opacity: 0, transform: "translateY(0.3em)" }, { opacity: 1, transform: "none" }],
        { duration: 380, easing: "cubic-bezier(0.22, 1, 0.36, 1)" }
      );
    }
  }

  function renderRate(rate) {
    el.rateValue.textContent = isNumber(rate) ? rate.toFixed(1) : "–";
  }

  function renderShares(shares) {
    const part = (key) => (shares && isNumber(shares[key]) ? Math.max(0, shares[key]) : 0);
    const negative = part("negative");
    const neutral = part("neutral");
    const positive = part("positive");
    const total = negative + neutral + positive;
    const percent = (share) => (total > 0 ? (share / total) * 100 : 0);

    el.shareNegative.style.width = percent(negative).toFixed(2) + "%";
    el.shareNeutral.style.width = percent(neutral).toFixed(2) + "%";
    el.sharePositive.style.width = percent(positive).toFixed(2) + "%";
    const label = (share) => (total > 0 ? Math.round(percent(share)) + "%" : "–");
    el.shareLabelNegative.textContent = label(negative);
    el.shareLabelPositive.textContent = label(positive);
    if (!el.legend.hidden) {
      const values = { negative, neutral, positive };
      for (const [share, value] of Object.entries(values)) {
        $(".mb-legend-" + share + " .mb-legend-value").textContent = label(value);
      }
    }
  }

  // The whole reaction is kept in data-text (an attribute value: still never markup); the chip
  // shows as much of it as fits.
  function createChip(reactionText) {
    const chip = document.createElement("span");
    chip.className = "mb-reaction";
    chip.dataset.text = reactionText;
    chip.appendChild(document.createTextNode(reactionText));
    const count = document.createElement("span");
    count.className = "mb-reaction-count";
    chip.appendChild(count);
    return chip;
  }

  function setChipCount(chip, count) {
    const counter = chip.querySelector(".mb-reaction-count");
    if (counter.textContent === count) return;
    counter.textContent = count;
    // Reserve room for the count so a long reaction is shortened, never the number.
    // Kept in em so the reservation still fits if the card is rescaled later.
    const em = parseFloat(getComputedStyle(chip).fontSize) || 16;
    chip.style.paddingRight = (counter.offsetWidth / em + 0.95).toFixed(3) + "em";
    fitChip(chip);
  }

  // Where a reaction may be shortened, longest first: after a whole word (Intl.Segmenter knows
  // Japanese and Chinese words, which have no spaces, so no word is cut into garbage), then, for
  // a single word too long for the chip, between characters as the reader sees them (an emoji
  // with its skin tone, a flag or a family stays whole).
  const wordSegmenter = new Intl.Segmenter(undefined, { granularity: "word" });
  const graphemeSegmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

  function cutPoints(full) {
    const ends = (segments) =>
      segments
        .map((s) => s.index + s.segment.length)
        .filter((end) => end < full.length)
        .reverse();
    const words = Array.from(wordSegmenter.segment(full)).filter((s) => s.isWordLike);
    return ends(words).concat(ends(Array.from(graphemeSegmenter.segment(full))));
  }

  function fitChip(chip) {
    const full = chip.dataset.text;
    const node = chip.firstChild;
    const fits = () => chip.scrollWidth <= chip.clientWidth;
    node.nodeValue = full;
    if (fits()) return;
    for (const end of cutPoints(full)) {
      node.nodeValue = full.slice(0, end).trimEnd() + "…";
      if (fits()) return;
    }
  }

  // Chips are keyed by their whole text and reused, so only new reactions fade in.
  function renderReactions(reactions) {
    const existing = new Map();
    for (const chip of el.reactions.querySelectorAll(".mb-reaction")) {
      existing.set(chip.dataset.text, chip);
    }

    const wanted = [];
    for (const reaction of Array.isArray(reactions) ? reactions : []) {
      if (wanted.length >= MAX_REACTIONS) break;
      if (!reaction || typeof reaction.text !== "string" || reaction.text === "") continue;
      if (wanted.some((item) => item.text === reaction.text)) continue;
      wanted.push({ text: reaction.text, count: isNumber(reaction.count) ? String(reaction.count) : "" });
    }

    wanted.forEach((item, index) => {
      let chip = existing.get(item.text);
      existing.delete(item.text);
      const isNew = !chip;
      if (isNew) chip = createChip(item.text);
      // Move only when out of place: re-inserting a node restarts its animations.
      if (el.reactions.children[index] !== chip) {
        el.reactions.insertBefore(chip, el.reactions.children[index] || null);
      }
      setChipCount(chip, item.count);
      if (isNew && !reducedMotion.matches) {
        chip.animate(
          [{ opacity: 0, transform: "translateY(0.4em) scale(0.94)" }, { opacity: 1, transform: "none" }],
          { duration: 320, easing: "cubic-bezier(0.22, 1, 0.36, 1)" }
        );
      }
    });
    for (const stale of existing.values()) stale.remove();
  }

  // ---------- per-source badges (only when several chats are read at once) ----------

  const MAX_SOURCES = 8;

  function createBadge(key) {
    const badge = document.createElement("span");
    badge.className = "mb-source";
    badge.dataset.key = key;
    for (const part of ["mb-source-dot", "mb-source-name", "mb-source-rate"]) {
      const span = document.createElement("span");
      span.className = part;
      badge.appendChild(span);
    }
    return badge;
  }

  // One badge per chat: where it is (platform colour, channel), how fast it goes and how it feels.
  function renderSources(sources) {
    const list = (Array.isArray(sources) ? sources : [])
      .filter((source) => source && typeof source.key === "string")
      .slice(0, MAX_SOURCES);
    el.sources.hidden = !options.show.has("sources") || list.length < 2;
    if (el.sources.hidden) return;
    const existing = new Map();
    for (const badge of el.sources.children) existing.set(badge.dataset.key, badge);
    list.forEach((source, index) => {
      let badge = existing.get(source.key);
      existing.delete(source.key);
      if (!badge) badge = createBadge(source.key);
      if (el.sources.children[index] !== badge) el.sources.insertBefore(badge, el.sources.children[index] || null);
      const short = source.short && typeof source.short === "object" ? source.short : {};
      badge.dataset.platform = typeof source.platform === "string" ? source.platform : "";
      badge.dataset.state = SOURCE_STATES.includes(source.state) ? source.state : "live";
      badge.querySelector(".mb-source-name").textContent = source.channel || source.platform || source.key;
      badge.querySelector(".mb-source-rate").textContent = isNumber(short.rate) ? short.rate.toFixed(1) : "–";
      badge.querySelector(".mb-source-dot").style.background = isNumber(short.valence)
        ? moodColor(palette, clamp(short.valence, -1, 1))
        : "";
    });
    for (const stale of existing.values()) stale.remove();
  }

  // ---------- emotion chips: what chat feels, under the gauge ----------

  const feelings = window.MOODBOT_EMOTIONS || { feelings: [] };
  const feelingText = feelings[options.lang] || { names: {}, moods: {} };
  const MAX_EMOTIONS = 3;
  const MIN_EMOTION_SHARE = 0.1; // a feeling shown by fewer than 1 in 10 counted messages is left out
  // The mood words that come from emotions ("Chat is wholesome"), beside the overlay's own.
  for (const [mood, label] of Object.entries(feelingText.moods)) {
    if (!(mood in text.moods)) text.moods[mood] = label;
  }

  function createEmotionChip(emotion) {
    const chip = document.createElement("span");
    chip.className = "mb-emotion";
    chip.dataset.emotion = emotion;
    for (const part of ["mb-emotion-name", "mb-emotion-share"]) {
      const span = document.createElement("span");
      span.className = part;
      chip.appendChild(span);
    }
    chip.querySelector(".mb-emotion-name").textContent = feelingText.names[emotion] || emotion;
    return chip;
  }

  // The strongest feelings of the short window, strongest first. The row appears with the first
  // emotions (a model without them never shows it) and then stays, so the card does not jump.
  function renderEmotions(emotions) {
    const shares = emotions && typeof emotions === "object" ? emotions : {};
    const wanted = feelings.feelings
      .filter((emotion) => isNumber(shares[emotion]) && shares[emotion] >= MIN_EMOTION_SHARE)
      .sort((a, b) => shares[b] - shares[a])
      .slice(0, MAX_EMOTIONS);
    if (Object.keys(shares).length) el.emotions.dataset.active = "";
    const existing = new Map();
    for (const chip of el.emotions.children) existing.set(chip.dataset.emotion, chip);
    wanted.forEach((emotion, index) => {
      let chip = existing.get(emotion);
      existing.delete(emotion);
      if (!chip) chip = createEmotionChip(emotion);
      if (el.emotions.children[index] !== chip) el.emotions.insertBefore(chip, el.emotions.children[index] || null);
      chip.querySelector(".mb-emotion-share").textContent = Math.round(shares[emotion] * 100) + "%";
    });
    for (const stale of existing.values()) stale.remove();
  }

  // ---------- sparkline ----------

  let history = []; // [unixSeconds, needle] pairs, oldest first

  function seedHistory(points) {
    history = (Array.isArray(points) ? points : []).filter(
      (p) => Array.isArray(p) && isNumber(p[0]) && isNumber(p[1])
    );
    history.sort((a, b) => a[0] - b[0]);
  }

  function appendHistory(time, value) {
    const last = history[history.length - 1];
    if (last && time <= last[0]) return; // repeated or out-of-order frame
    history.push([time, value]);
  }

  function trimHistory() {
    if (history.length === 0) return;
    const oldest = history[history.length - 1][0] - SPARK_WINDOW_S;
    const firstKept = history.findIndex((p) => p[0] >= oldest);
    history = history.slice(Math.max(firstKept, history.length - SPARK_MAX_POINTS));
  }

  // The SVG's user space is 300 x 60 (stretched to the box); +1 is drawn at y=4, -1 at y=56.
  function renderSpark() {
    if (history.length === 0) {
      el.sparkLine.setAttribute("d", "");
      el.sparkArea.setAttribute("d", "");
      el.sparkDot.hidden = true;
      return;
    }
    const end = history[history.length - 1][0];
    const x = (time) => 300 - ((end - time) / SPARK_WINDOW_S) * 300;
    const y = (value) => 30 - clamp(value, -1, 1) * 26;

    const line = history.map((p, i) => (i ? "L" : "M") + x(p[0]).toFixed(1) + " " + y(p[1]).toFixed(1)).join(" ");
    const firstX = x(history[0][0]).toFixed(1);
    el.sparkLine.setAttribute("d", line);
    el.sparkArea.setAttribute("d", line + " L300 30 L" + firstX + " 30 Z");

    const lastY = y(history[history.length - 1][1]);
    el.sparkDot.style.top = ((lastY / 60) * 100).toFixed(2) + "%";
    el.sparkDot.hidden = false;
  }

  // ---------- status line ----------

  const status = { connection: "connecting", source: "connecting", totals: null };

  function renderStatus() {
    const state = status.connection === "reconnecting" ? "offline" : status.source;
    el.status.dataset.state = state;
    el.statusText.textContent = text.status[state];

    const totals = status.totals || {};
    const parts = [];
    if (isNumber(totals.dropped) && totals.dropped > 0) {
      parts.push(text.skipped(numberFormat.format(totals.dropped)));
    }
    if (isNumber(totals.messages)) {
      parts.push(text.messages(totals.messages, numberFormat.format(totals.messages)));
    }
    el.statusExtra.textContent = parts.join(" · ");
  }

  function setConnection(state) {
    status.connection = state;
    root.dataset.connection = state;
    renderStatus();
  }

  // ---------- messages ----------

  function applyMessage(msg) {
    if (msg.type === "event") return; // events are for the streamer's dashboard, not the stream
    if (msg.type === "snapshot") seedHistory(msg.history);

    if (isNumber(msg.needle)) {
      el.needle.setAttribute("data-value", String(msg.needle));
      setNeedleTarget(msg.needle);
      if (isNumber(msg.time)) appendHistory(msg.time, msg.needle);
    }
    trimHistory();
    renderSpark();

    if (typeof msg.mood === "string" && msg.mood) renderMood(msg.mood);

    const short = msg.short && typeof msg.short === "object" ? msg.short : null;
    if (short) {
      renderRate(short.rate);
      renderShares(short.shares);
      renderReactions(short.reactions);
      renderEmotions(short.emotions);
    }

    renderSources(msg.sources);

    if (msg.totals && typeof msg.totals === "object") status.totals = msg.totals;
    const source = msg.source && typeof msg.source === "object" ? msg.source.state : null;
    // A bot that does not report its source is taken as live: data is flowing.
    status.source = SOURCE_STATES.includes(source) ? source : "live";
    renderStatus();
  }

  function handleFrame(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch (error) {
      return; // not JSON: nothing we can show
    }
    if (msg && typeof msg === "object" && !Array.isArray(msg)) applyMessage(msg);
  }

  // ---------- websocket with back-off ----------

  const link = { socket: null, retryDelay: RETRY_MIN_MS, staleTimer: 0 };

  function socketUrl() {
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws";
  }

  function connect() {
    let socket;
    try {
      socket = new WebSocket(socketUrl());
    } catch (error) {
      // Only an unusable URL throws (e.g. the page opened from a file): keep trying anyway.
      setConnection("reconnecting");
      scheduleReconnect();
      return;
    }
    link.socket = socket;
    let greeted = false;
    watchForSilence(socket);

    socket.onopen = () => setConnection("open");
    socket.onmessage = (event) => {
      // Back-off resets only once the bot has actually spoken, so a server that accepts and
      // immediately drops us is still retried politely.
      if (!greeted) {
        greeted = true;
        link.retryDelay = RETRY_MIN_MS;
      }
      watchForSilence(socket);
      if (typeof event.data === "string") handleFrame(event.data);
    };
    socket.onclose = () => dropSocket(socket);
    // No onerror: every error is followed by a close event, which does the work.
  }

  function watchForSilence(socket) {
    clearTimeout(link.staleTimer);
    link.staleTimer = setTimeout(() => {
      socket.close();
      dropSocket(socket); // close() on a dead link can take long to report; do not wait
    }, STALE_AFTER_MS);
  }

  function dropSocket(socket) {
    if (link.socket !== socket) return; // already handled
    link.socket = null;
    clearTimeout(link.staleTimer);
    setConnection("reconnecting");
    scheduleReconnect();
  }

  function scheduleReconnect() {
    const jitter = 1 + (Math.random() * 0.2 - 0.1); // +-10 %, so several overlays do not retry in step
    setTimeout(connect, link.retryDelay * jitter);
    link.retryDelay = Math.min(RETRY_MAX_MS, link.retryDelay * 2);
  }

  // ---------- start ----------

  applyOptions();
  fitToSource();
  window.addEventListener("resize", fitToSource);
  // A font that arrives late (the emoji face loads with the first emoji) changes text widths.
  document.fonts.addEventListener("loadingdone", () => el.reactions.querySelectorAll(".mb-reaction").forEach(fitChip));
  palette = readPalette();
  drawNeedle(0);
  renderMood("waiting");
  renderStatus();
  connect();
})();
