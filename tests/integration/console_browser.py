#!/usr/bin/python3
"""console_browser.py - the site console in a real browser (headless Chromium + chromedriver).

Driven by test_console.sh, which starts mosquitto, a gas simulator and riskgw with
the console on. Here: the page comes up in Chinese; a name is locked out after
the configured failures (its right password is then refused too); the operator
signs in; a simulated gas leak goes RAISED -> ESCALATED and the page shows the
escalation within 2 s of its MQTT event; the operator silences it and the event
log on the page names "console:<operator>"; the language switches to English and
back; a trend loads; with the broker stopped the page still updates and shows
the uplink down; a detector's fault is shown as a fault, not a number. With SHOTS=DIR it also saves small screenshots of the views.

usage: console_browser.py URL SIM_FIFO MQTT_PORT MOSQUITTO_PID PROFILE_DIR
"""
import os
import signal
import subprocess
import sys
import threading
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

URL, SIM_FIFO, MQTT_PORT, MOSQUITTO_PID, PROFILE_DIR = sys.argv[1:6]
SHOTS = os.environ.get("SHOTS")
OPERATOR, PASSWORD = "wang", "gas-leak-drill"
LOCKED_NAME, LOCKED_PASSWORD, LOCKOUT_AFTER = "li", "li-right-password", 3
ESCALATION_BUDGET_S = 2.0          # the promise: on the page within 2 s of the MQTT event
WAIT_S = 20


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def sim(line):
    with open(SIM_FIFO, "w") as f:
        f.write(line + "\n")


class MqttWatch:
    """mosquitto_sub on every topic; remembers when each event kind first arrived."""

    def __init__(self):
        self.seen = {}
        self.proc = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", MQTT_PORT, "-t", "#", "-v"],
                                     stdout=subprocess.PIPE, text=True)
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for line in self.proc.stdout:
            for kind in ("RAISED", "ESCALATED"):
                if '"kind":"%s"' % kind in line and kind not in self.seen:
                    self.seen[kind] = time.monotonic()

    def wait(self, kind):
        deadline = time.monotonic() + WAIT_S
        while kind not in self.seen:
            if time.monotonic() > deadline:
                fail("no %s event on MQTT within %d s" % (kind, WAIT_S))
            time.sleep(0.02)
        return self.seen[kind]

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def browser():
    o = webdriver.ChromeOptions()
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--hide-scrollbars", "--window-size=1000,620", "--user-data-dir=" + PROFILE_DIR):
        o.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)


def until(d, what, cond, timeout=WAIT_S):
    deadline = time.monotonic() + timeout
    while True:
        try:
            v = cond()
            if v:
                return v
        except Exception:          # the element is being redrawn: look again
            pass
        if time.monotonic() > deadline:
            shot(d, "failed")
            fail("%s (waited %d s)" % (what, timeout))
        time.sleep(0.05)


def retry(action, tries=20):
    """An action on an element the page may redraw between finding and using it."""
    for _ in range(tries - 1):
        try:
            return action()
        except StaleElementReferenceException:
            time.sleep(0.05)
    return action()


def shot(d, name):
    if not SHOTS:
        return
    path = os.path.join(SHOTS, "console-%s.png" % name)
    d.save_screenshot(path)
    from PIL import Image      # keep them small for the README: a 64-colour palette
    Image.open(path).convert("RGB").quantize(64).save(path, optimize=True)


def alarm_row(d, point):
    rows = d.find_elements(By.CSS_SELECTOR, '#alarms tr[data-point="%s"]' % point)
    return rows[0] if rows else None


def sign_in(d, name, password):
    d.find_element(By.ID, "signin-name").clear()
    d.find_element(By.ID, "signin-name").send_keys(name)
    d.find_element(By.ID, "signin-password").send_keys(password)
    d.find_element(By.ID, "signin-button").click()


def main():
    watch = MqttWatch()
    d = browser()
    try:
        run(d, watch)
    finally:
        d.quit()
        watch.stop()


def run(d, watch):
    d.get(URL)
    until(d, "the page did not come up in Chinese",
          lambda: d.execute_script("return document.documentElement.lang") == "zh-CN"
          and "控制台" in d.title and d.find_element(By.ID, "tab-alarms").text == "报警")
    until(d, "the page did not ask to sign in", lambda: "请登录" in d.find_element(By.ID, "message").text)

    # ---- lock-out: N wrong passwords, then the right one is refused too ----
    for i in range(LOCKOUT_AFTER):
        sign_in(d, LOCKED_NAME, "wrong-%d" % i)
        until(d, "sign-in %d not answered" % (i + 1), lambda: d.find_element(By.ID, "message").text)
        want = "锁定" if i == LOCKOUT_AFTER - 1 else "错误"
        until(d, "wrong password %d: no '%s' message" % (i + 1, want),
              lambda: want in d.find_element(By.ID, "message").text)
    sign_in(d, LOCKED_NAME, LOCKED_PASSWORD)
    until(d, "a locked-out name signed in with its right password",
          lambda: "锁定" in d.find_element(By.ID, "message").text)
    if retry(lambda: d.find_element(By.ID, "operator").is_displayed()):
        fail("the locked-out operator is shown as signed in")
    print("locked out after %d wrong passwords; the right one refused while locked" % LOCKOUT_AFTER)

    # ---- sign in ----
    sign_in(d, OPERATOR, PASSWORD)
    until(d, "the operator is not shown as signed in",
          lambda: d.find_element(By.ID, "operator-name").text == OPERATOR)
    until(d, "no device on the Now page", lambda: d.find_elements(By.CSS_SELECTOR, '#devices tr[data-point="gas1/lel"]'))
    shot(d, "now-normal")

    # ---- a gas leak: RAISED, then ESCALATED within 2 s of its MQTT event ----
    d.find_element(By.ID, "tab-alarms").click()
    sim("set lel 30")
    watch.wait("RAISED")
    until(d, "RAISED level1 not on the Alarms page",
          lambda: alarm_row(d, "gas1/lel").get_attribute("data-level") == "level1")
    sim("set lel 60")
    t_mqtt = watch.wait("ESCALATED")
    until(d, "ESCALATED level2 not on the Alarms page",
          lambda: alarm_row(d, "gas1/lel").get_attribute("data-level") == "level2")
    lag = time.monotonic() - t_mqtt
    if lag > ESCALATION_BUDGET_S:
        fail("the escalation reached the page %.2f s after its MQTT event (budget %.1f s)" % (lag, ESCALATION_BUDGET_S))
    print("ESCALATED on the page %.2f s after its MQTT event" % lag)
    until(d, "RAISED and ESCALATED not both in the page's event log",
          lambda: {"RAISED", "ESCALATED"} <= {r.get_attribute("data-kind")
                                               for r in d.find_elements(By.CSS_SELECTOR, "#events tr")})

    # ---- silence it: the page's event log names the operator ----
    retry(lambda: alarm_row(d, "gas1/lel").find_element(By.CSS_SELECTOR, "button.act-silence").click())
    until(d, "the alarm is not shown silenced",
          lambda: alarm_row(d, "gas1/lel").get_attribute("data-silenced") == "true")
    until(d, "no SILENCED event by console:%s in the page's event log" % OPERATOR,
          lambda: [r for r in d.find_elements(By.CSS_SELECTOR, "#events tr")
                   if r.get_attribute("data-kind") == "SILENCED"
                   and r.get_attribute("data-actor") == "console:" + OPERATOR])
    shot(d, "alarms")
    print("silenced; the event log says console:%s" % OPERATOR)

    # ---- the language: English on the switch, Chinese again ----
    d.find_element(By.ID, "lang-switch").click()
    until(d, "the page did not switch to English",
          lambda: d.execute_script("return document.documentElement.lang") == "en"
          and d.find_element(By.ID, "tab-alarms").text == "Alarms"
          and "SILENCED" in d.find_element(By.ID, "events").text)
    shot(d, "alarms-en")
    d.find_element(By.ID, "lang-switch").click()
    until(d, "the page did not switch back to Chinese",
          lambda: d.find_element(By.ID, "tab-alarms").text == "报警")
    print("language switched to English and back")

    # ---- a trend of the last hour ----
    d.find_element(By.ID, "tab-trends").click()
    until(d, "the trend's point list is empty", lambda: d.find_elements(By.CSS_SELECTOR, "#trend-point option"))
    Select(d.find_element(By.ID, "trend-point")).select_by_value("gas1/lel")
    d.find_element(By.ID, "trend-load").click()
    rows = until(d, "the trend drew fewer than 3 points",
                 lambda: int(d.find_element(By.ID, "trend-canvas").get_attribute("data-rows") or 0) >= 3
                 and d.find_element(By.ID, "trend-canvas").get_attribute("data-rows"))
    shot(d, "trends")
    print("trend of the last hour: %s points" % rows)

    # ---- the uplink down: the page goes on ----
    os.kill(int(MOSQUITTO_PID), signal.SIGTERM)
    d.find_element(By.ID, "tab-box").click()
    until(d, "the box does not show the MQTT uplink down",
          lambda: d.find_element(By.CSS_SELECTOR, '#uplinks tr[data-uplink="mqtt"]').get_attribute("data-connected") == "false")
    shot(d, "box")
    sim("set lel 10")
    d.find_element(By.ID, "tab-now").click()
    until(d, "with the uplink down, the Now page did not show the new reading",
          lambda: "10 %LEL" in d.find_element(By.CSS_SELECTOR, '#devices tr[data-point="gas1/lel"]').text)
    print("with the broker gone the page still updates and shows the uplink down")

    # ---- a detector fault is shown as a fault, never as a number ----
    sim("fault lel")
    row = lambda: d.find_element(By.CSS_SELECTOR, '#devices tr[data-point="gas1/lel"]').text
    until(d, "the detector's fault is not shown as a fault", lambda: "故障" in row())
    text = retry(row)
    if "%LEL" in text:
        fail("a faulted reading is shown with a number: " + text)
    print("a faulted detector reads: " + text.replace("\n", " "))


main()
print("PASS: console in a browser")
