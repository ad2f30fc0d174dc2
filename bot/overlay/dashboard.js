/*
 * moodbot dashboard: the mood, what chat feels, each chat's state, and the events, for the
 * streamer. A `tech_problem` event raises a loud banner (and, with ?sound=1, a chime).
 *
 * Options: ?lang=en|id|ja, ?sound=1. Plain ES2021 (OBS docks run Chrome 103). Everything from
 * chat (quotes, reactions, names) reaches the page as text (textContent), never as markup.
 */
"use strict";

(function () {
  const LABELS = {
    en: {
      subtitle: "streamer dashboard · not for the stream",
      mood: "Mood",
      rate: "msg/s",
      messages: "messages",
      dropped: "skipped",
      queue: "waiting",
      emotions: "What chat feels (last seconds)",
      noEmotions: "This model reads no emotions.",
      sources: "Chats",
      events: "Events",
      noEvents: "No events yet.",
      connection: { connecting: "connecting…", open: "connected", reconnecting: "reconnecting…" },
      dismiss: "Dismiss",
      enableSound: "Enable alert sound",
      alert: (problem) => "Viewers report a stream problem: " + problem,
      alertWhen: (viewers, seconds) => viewers + " viewers within " + seconds + " s",
      kinds: { tech_problem: "tech problem", hype: "hype", laughter: "laughter", mood_drop: "mood drop", raid: "raid" },
      summary: {
        tech_problem: (d) => d.problem + " · " + d.viewers + " viewers",
        share: (d) => Math.round(d.share * 100) + "% of chat",
        mood_drop: (d) => "mood fell from " + d.from + " to " + d.to + " in " + d.seconds + " s",
        raid: (d) => "raid from " + d.from + " with " + d.viewers + " viewers",
      },
    },
    id: {
      subtitle: "dasbor streamer · bukan untuk stream",
      mood: "Suasana",
      rate: "pesan/dtk",
      messages: "pesan",
      dropped: "dilewati",
      queue: "antre",
      emotions: "Yang dirasakan chat (barusan)",
      noEmotions: "Model ini tidak membaca emosi.",
      sources: "Chat",
      events: "Kejadian",
      noEvents: "Belum ada kejadian.",
      connection: { connecting: "menghubungkan…", open: "terhubung", reconnecting: "menyambung ulang…" },
      dismiss: "Tutup",
      enableSound: "Nyalakan suara peringatan",
      alert: (problem) => "Penonton melaporkan masalah stream: " + problem,
      alertWhen: (viewers, seconds) => viewers + " penonton dalam " + seconds + " dtk",
      kinds: { tech_problem: "masalah teknis", hype: "hype", laughter: "ngakak", mood_drop: "suasana turun", raid: "raid" },
      summary: {
        tech_problem: (d) => d.problem + " · " + d.viewers + " penonton",
        share: (d) => Math.round(d.share * 100) + "% chat",
        mood_drop: (d) => "suasana turun dari " + d.from + " ke " + d.to + " dalam " + d.seconds + " dtk",
        raid: (d) => "raid dari " + d.from + " dengan " + d.viewers + " penonton",
      },
    },
    ja: {
      subtitle: "配信者用ダッシュボード（配信には映さない）",
      mood: "ムード",
      rate: "件/秒",
      messages: "件",
      dropped: "スキップ",
      queue: "待ち",
      emotions: "チャットの気持ち（直近）",
      noEmotions: "このモデルは感情を読みません。",
      sources: "チャット",
      events: "イベント",
      noEvents: "まだイベントはありません。",
      connection: { connecting: "接続中…", open: "接続済み", reconnecting: "再接続中…" },
      dismiss: "閉じる",
      enableSound: "警告音をオンにする",
      alert: (problem) => "視聴者から配信トラブルの報告: " + problem,
      alertWhen: (viewers, seconds) => seconds + "秒以内に" + viewers + "人",
      kinds: { tech_problem: "配信トラブル", hype: "盛り上がり", laughter: "爆笑", mood_drop: "ムード急落", raid: "レイド" },
      summary: {
        tech_problem: (d) => d.problem + " · " + d.viewers + "人",
        share: (d) => "チャットの" + Math.round(d.share * 100) + "%",
        mood_drop: (d) => d.seconds + "秒で " + d.from + " → " + d.to,
        raid: (d) => d.from + " から " + d.viewers + "人のレイド",
      },
    },
  };

  const MAX_EVENTS = 100;
  const ALERT_FRESH_S = 120; // a tech alert older than this when the page opens is only listed
  const params = new URLSearchParams(location.search);
  const lang = params.get("lang") in LABELS ? params.get("lang") : "en";
  const text = LABELS[lang];
  const shared = window.MOODBOT_EMOTIONS || { feelings: [] };
  const feelingText = shared[lang] || { names: {}, moods: {} };
  const wantSound = ["1", "true", "yes", "on"].includes((params.get("sound") || "").toLowerCase());

  const $ = (selector) => document.querySelector(selector);
  const isNumber = (value) => typeof value === "number" && Number.isFinite(value);
  const seenEvents = new Set(); // "kind@time": a snapshot after a reconnect repeats recent events

  function element(tag, className, content) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.textContent = String(content);
    return node;
  }

  function clockTime(unixSeconds) {
    return new Date(unixSeconds * 1000).toLocaleTimeString(lang, { hour12: false });
  }

  // ---------- the alert sound: a two-tone chime made on the spot, no file to load ----------

  let audio = null;

  function setUpSound() {
    if (!wantSound || !window.AudioContext) return;
    audio = new AudioContext();
    const button = $(".db-sound");
    button.textContent = text.enableSound;
    // Browsers start audio only after a click on the page; offer the click if it is needed.
    const update = () => {
      button.hidden = audio.state === "running";
    };
    button.addEventListener("click", () => audio.resume().then(update));
    audio.addEventListener("statechange", update);
    update();
  }

  function chime() {
    if (!audio || audio.state !== "running") return;
    const start = audio.currentTime;
    [880, 660, 880].forEach((frequency, i) => {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = frequency;
      gain.gain.setValueAtTime(0.25, start + i * 0.22);
      gain.gain.exponentialRampToValueAtTime(0.001, start + i * 0.22 + 0.2);
      tone.connect(gain).connect(audio.destination);
      tone.start(start + i * 0.22);
      tone.stop(start + i * 0.22 + 0.21);
    });
  }

  // ---------- the tech alert ----------

  function raiseAlert(event) {
    const detail = event.detail || {};
    const banner = $(".db-alert");
    $(".db-alert-title").textContent = text.alert(String(detail.problem || "?").toUpperCase());
    $(".db-alert-when").textContent =
      clockTime(event.time) + " · " + text.alertWhen(detail.viewers, Math.round(detail.window || 0));
    const quotes = $(".db-alert-quotes");
    quotes.replaceChildren();
    for (const quote of Array.isArray(detail.quotes) ? detail.quotes : []) {
      const item = element("li", "db-quote");
      item.append(element("span", "db-quote-author", quote.author), element("span", "db-quote-text", quote.text));
      quotes.append(item);
    }
    banner.hidden = false;
    chime();
  }

  // ---------- events ----------

  function summarise(event) {
    const detail = event.detail || {};
    const say = text.summary;
    if (event.kind === "hype" || event.kind === "laughter") {
      const reactions = (Array.isArray(detail.reactions) ? detail.reactions : []).map((r) => r.text + " ×" + r.count);
      return [say.share(detail)].concat(reactions).join(" · ");
    }
    if (event.kind === "tech_problem") {
      const quotes = (Array.isArray(detail.quotes) ? detail.quotes : []).map((q) => "“" + q.text + "”");
      return [say.tech_problem(detail)].concat(quotes).join(" · ");
    }
    return say[event.kind] ? say[event.kind](detail) : JSON.stringify(detail);
  }

  function addEvent(event, fresh) {
    if (!event || typeof event.kind !== "string" || !isNumber(event.time)) return;
    const key = event.kind + "@" + event.time;
    if (seenEvents.has(key)) return;
    seenEvents.add(key);
    const item = element("li", "db-event");
    item.dataset.kind = event.kind;
    item.append(
      element("span", "db-event-time", clockTime(event.time)),
      element("span", "db-event-kind", text.kinds[event.kind] || event.kind),
      element("span", "db-event-detail", summarise(event))
    );
    const list = $(".db-events");
    list.prepend(item);
    while (list.children.length > MAX_EVENTS) list.lastChild.remove();
    $(".db-events-empty").hidden = true;
    if (event.kind === "tech_problem" && fresh) raiseAlert(event);
  }

  // ---------- mood, emotions, chats ----------

  function renderMood(msg) {
    const mood = typeof msg.mood === "string" ? msg.mood : "";
    $(".db-mood").dataset.mood = mood;
    $(".db-mood").textContent = feelingText.moods[mood] ? mood + " · " + feelingText.moods[mood] : mood || "–";
    if (isNumber(msg.needle)) {
      $(".db-needle-marker").style.left = ((Math.max(-1, Math.min(1, msg.needle)) + 1) * 50).toFixed(1) + "%";
      $(".db-needle").title = msg.needle.toFixed(2);
    }
    const short = msg.short || {};
    const totals = msg.totals || {};
    const queue = msg.queue || {};
    $(".db-rate").textContent = isNumber(short.rate) ? short.rate.toFixed(1) : "–";
    $(".db-messages").textContent = isNumber(totals.messages) ? totals.messages : "–";
    $(".db-dropped").textContent = isNumber(totals.dropped) ? totals.dropped : "–";
    $(".db-queue").textContent = isNumber(queue.depth) ? queue.depth + " / " + queue.max : "–";
  }

  function renderEmotions(emotions) {
    const shares = emotions && typeof emotions === "object" ? emotions : {};
    const names = shared.feelings.concat(["tech"]).filter((name) => isNumber(shares[name]));
    $(".db-emotions-empty").hidden = names.length > 0;
    const box = $(".db-emotions");
    if (box.children.length !== names.length) {
      box.replaceChildren();
      for (const name of names) {
        const row = element("div", "db-emotion");
        row.dataset.emotion = name;
        const bar = element("span", "db-emotion-bar");
        bar.append(element("span", "db-emotion-fill"));
        row.append(element("span", "db-emotion-name", feelingText.names[name] || name), bar);
        row.append(element("span", "db-emotion-share"));
        box.append(row);
      }
    }
    for (const row of box.children) {
      const share = shares[row.dataset.emotion];
      row.querySelector(".db-emotion-fill").style.width = (share * 100).toFixed(1) + "%";
      row.querySelector(".db-emotion-share").textContent = Math.round(share * 100) + "%";
    }
  }

  function renderSources(sources) {
    const body = $(".db-sources tbody");
    body.replaceChildren();
    for (const source of Array.isArray(sources) ? sources : []) {
      if (!source || typeof source.key !== "string") continue;
      const row = element("tr", "db-source");
      const state = element("td", "db-source-state", source.state);
      state.dataset.state = source.state;
      const short = source.short || {};
      row.append(
        element("td", "db-source-key", source.key),
        state,
        element("td", "db-source-rate", (isNumber(short.rate) ? short.rate.toFixed(1) : "–") + " " + text.rate),
        element("td", "db-source-detail", source.detail || "")
      );
      body.append(row);
    }
  }

  function apply(msg) {
    if (msg.type === "event") {
      addEvent(msg, true);
      return;
    }
    if (msg.type === "snapshot" && Array.isArray(msg.events)) {
      const now = isNumber(msg.time) ? msg.time : Date.now() / 1000;
      for (const event of msg.events) addEvent(event, event && now - event.time < ALERT_FRESH_S);
    }
    renderMood(msg);
    renderEmotions((msg.short || {}).emotions);
    renderSources(msg.sources);
  }

  // ---------- the websocket: retried every 2 s while the bot is away ----------

  function setConnection(state) {
    document.documentElement.dataset.connection = state;
    const label = $(".db-connection");
    label.dataset.state = state;
    label.textContent = text.connection[state];
  }

  function connect() {
    const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
    socket.onopen = () => setConnection("open");
    socket.onmessage = (message) => {
      let msg = null;
      try {
        msg = JSON.parse(message.data);
      } catch (error) {
        return;
      }
      if (msg && typeof msg === "object") apply(msg);
    };
    socket.onclose = () => {
      setConnection("reconnecting");
      setTimeout(connect, 2000);
    };
  }

  // ---------- start ----------

  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll("[data-label]")) {
    if (typeof text[node.dataset.label] === "string") node.textContent = text[node.dataset.label];
  }
  $(".db-alert-dismiss").textContent = text.dismiss;
  $(".db-alert-dismiss").addEventListener("click", () => {
    $(".db-alert").hidden = true;
  });
  setUpSound();
  setConnection("connecting");
  connect();
})();
