// Fee schedule: my 30-day volume, tier and rates today, the volume to the next tier, and every schedule with
// its tiers (the default, weekday ones like the weekend, and pair-group ones). Rates are percent strings:
// "0.25" means 0.25 %. Weekdays are UTC, Monday = 0.
import { api } from "../api.js";
import { amount, badge, fill, h, pageHeader, table, time } from "../ui.js";

const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

const pct = (value) => `${amount(value, { min: 2 })} %`;
const usd = (value) => `${amount(value, { min: 2 })} USD`;

function days(weekdays) {
  if (!weekdays.length) return "Every day";
  const names = weekdays.map((day) => DAYS[day]);
  if (names.join() === "Saturday,Sunday") return "Weekends (Saturday and Sunday, UTC)";
  return `${names.join(", ")} (UTC)`;
}

function tierTable(caption, tiers, mine) {
  return table(caption, ["Tier", "30-day volume from", "Maker", "Taker"],
    tiers.map((tier) => h("tr", { class: tier.tier === mine ? "mine" : "" },
      h("th", { scope: "row" }, `Tier ${tier.tier}`, tier.tier === mine ? [" ", badge("you", "ok")] : null),
      h("td", { class: "num" }, usd(tier.min_volume)),
      h("td", { class: "num" }, pct(tier.maker)),
      h("td", { class: "num" }, pct(tier.taker)))));
}

export async function render(main) {
  const fees = await api("GET", "/api/v1/fees/");
  const { current } = fees;
  const next = current.next_tier;
  const progress = next
    ? Math.min(100, (Number(fees.volume_30d) / Number(next.min_volume)) * 100) // display only; money stays a string
    : 100;
  const stat = (label, value, sub) => h("div", { class: "stat" }, h("p", { class: "stat-label" }, label), h("p", { class: "stat-value" }, value), sub ? h("p", { class: "muted small" }, sub) : null);
  const summary = h("section", { class: "stats" },
    stat("30-day volume", usd(fees.volume_30d), "Traded over the last 30 UTC days"),
    stat("Your tier", `Tier ${current.tier}`, `${current.schedule} schedule`),
    stat("Maker / taker today", `${pct(current.maker)} / ${pct(current.taker)}`, ["As of ", time(fees.at)]),
    stat("To the next tier", next ? usd(current.volume_to_next_tier) : "Top tier", next ? `Tier ${next.tier}: ${pct(next.maker)} / ${pct(next.taker)}` : "You have the lowest rates"),
  );
  const meter = next
    ? h("div", { class: "card" },
      h("label", { for: "tier-progress" }, `Progress to tier ${next.tier} (${usd(next.min_volume)})`),
      h("progress", { id: "tier-progress", max: "100", value: progress.toFixed(1) }, `${progress.toFixed(0)} %`))
    : null;
  const schedules = fees.schedules.map((schedule) =>
    h("section", { class: "card" },
      h("h3", {}, schedule.name, " ", schedule.applies_now ? badge("in force now", "ok") : null),
      schedule.description ? h("p", { class: "muted" }, schedule.description) : null,
      h("p", { class: "meta" },
        h("span", {}, h("strong", {}, "When: "), days(schedule.weekdays)), " · ",
        h("span", {}, h("strong", {}, "Pairs: "), schedule.pair_group
          ? `${schedule.pair_group.name} (${schedule.pair_group.pairs.join(", ")})`
          : "every pair")),
      tierTable(`Tiers of ${schedule.name}`, schedule.tiers, schedule.name === current.schedule ? current.tier : null)));
  const perPair = Object.entries(fees.pairs);
  fill(main, 
    pageHeader("Fee schedule", "Your fee tier follows your traded volume over the last 30 days, in USD. Rates are percent of the trade's value."),
    summary,
    meter,
    h("h2", {}, "Schedules"),
    h("p", { class: "muted" }, "A weekday schedule (such as the weekend's) takes precedence over the default, and a pair group's over both for its pairs."),
    ...schedules,
    perPair.length
      ? h("details", { class: "card" },
        h("summary", {}, `Your rates now, per pair (${perPair.length})`),
        table("Rates per pair", ["Pair", "Schedule", "Tier", "Maker", "Taker"],
          perPair.map(([symbol, rate]) => h("tr", {},
            h("th", { scope: "row" }, symbol.replace("-", "/")), h("td", {}, rate.schedule), h("td", {}, `Tier ${rate.tier}`),
            h("td", { class: "num" }, pct(rate.maker)), h("td", { class: "num" }, pct(rate.taker))))))
      : null,
  );
}
