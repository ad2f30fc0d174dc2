/*
 * What chat feels, in the pages' three languages: shared by the overlay and the dashboard.
 * Plain ES2021 for OBS's Chrome 103; defines window.MOODBOT_EMOTIONS and nothing else.
 */
"use strict";

window.MOODBOT_EMOTIONS = {
  // The feelings in the payload's `emotions`, in the model's order (`tech` is the dashboard's).
  feelings: ["laughter", "hype", "love", "sad", "anger", "surprise", "confusion"],
  en: {
    names: {
      laughter: "Laughing",
      hype: "Hype",
      love: "Love",
      sad: "Sad",
      anger: "Anger",
      surprise: "Shock",
      confusion: "Confused",
      tech: "Tech problem",
    },
    // Mood words that come from emotions (the overlay's own table has the rest).
    moods: {
      wholesome: "Chat is wholesome",
      salty: "Chat is salty",
      shocked: "Chat is shocked",
      confused: "Chat is confused",
    },
  },
  id: {
    names: {
      laughter: "Ngakak",
      hype: "Hype",
      love: "Gemas",
      sad: "Sedih",
      anger: "Kesal",
      surprise: "Kaget",
      confusion: "Bingung",
      tech: "Masalah teknis",
    },
    moods: {
      wholesome: "Chat lagi gemas",
      salty: "Chat lagi kesal",
      shocked: "Chat lagi kaget",
      confused: "Chat lagi bingung",
    },
  },
  ja: {
    names: {
      laughter: "爆笑",
      hype: "興奮",
      love: "尊い",
      sad: "しんみり",
      anger: "イライラ",
      surprise: "驚き",
      confusion: "困惑",
      tech: "配信トラブル",
    },
    moods: {
      wholesome: "チャットほっこり",
      salty: "チャットイライラ",
      shocked: "チャット騒然",
      confused: "チャット困惑中",
    },
  },
};
