/**
 * The shop's language end to end, through SMTP: the German and the Japanese messages, and a shop's own
 * template (checked when saved, previewed, then sent in place of the default).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';
import {
  type CommsWorld,
  commsWorld,
  launchWithBatch,
  place,
  plusDays,
  portalPage,
  portalTokenIn,
} from './support.ts';

describeOnEachEngine('messages in the shop’s language', ({ db }) => {
  let german: CommsWorld;
  let japanese: CommsWorld;
  let spanish: CommsWorld;

  before(async () => {
    german = await commsWorld(db(), { name: 'Leuchten GmbH', locale: 'de-DE' });
    japanese = await commsWorld(
      db(),
      { name: 'ルーメン商店', locale: 'ja-JP', timeZone: 'Asia/Tokyo', currency: 'JPY' },
      german.inbox,
    );
    spanish = await commsWorld(
      db(),
      { name: 'Tienda', locale: 'es-ES', timeZone: 'Europe/Madrid' },
      german.inbox,
    );
  });
  after(async () => {
    await spanish.close();
    await japanese.close();
    await german.close();
  });

  test('German: confirmation and a later date, worded in German', async () => {
    const { sku, campaignId, batchId, readyDate } = await launchWithBatch(german, {
      paymentTerms: { kind: 'deposit', percent: 20, balanceDue: { kind: 'on_release' } },
    });
    await place(german, sku, 'jonas@example.de');
    await call(german.app, 'PATCH', `/v1/campaigns/${campaignId}/batches/${batchId}`, german.admin, {
      readyDate: plusDays(readyDate, 35),
    });
    await german.deliver();
    const [confirmation, changed] = german.inbox.to('jonas@example.de');
    assert.equal(confirmation?.subject, `Ihre Vorbestellung von Variant ${sku} ist bestätigt`);
    assert.match(confirmation?.text ?? '', /^Hallo,/);
    assert.match(confirmation?.text ?? '', /Gesamt: 129,00\s€/);
    assert.match(
      confirmation?.text ?? '',
      /Die restlichen 103,20\s€ buchen wir zur Markteinführung von Ihrer gespeicherten Karte ab\./,
    );
    assert.match(confirmation?.html ?? '', /<html lang="de">/);
    assert.match(changed?.subject ?? '', /^Neuer Versandtermin für Ihr/);
    assert.match(changed?.text ?? '', /Bisher: Versand/);
    assert.match(changed?.text ?? '', /Vorbestellung behalten: http:/);
    assert.match(changed?.text ?? '', /Ohne Antwort bleibt Ihre Vorbestellung bestehen\./);
  });

  test('Japanese: confirmation in Japanese, with yen', async () => {
    const { sku } = await launchWithBatch(japanese, { price: { amount: 12_900, currency: 'JPY' } });
    await place(japanese, sku, 'hana@example.jp');
    await japanese.deliver();
    const [confirmation] = japanese.inbox.to('hana@example.jp');
    assert.equal(confirmation?.subject, `Variant ${sku}の予約注文を承りました`);
    assert.match(confirmation?.text ?? '', /^こんにちは。/);
    assert.match(confirmation?.text ?? '', /合計：￥12,900/);
    assert.match(confirmation?.text ?? '', /発送：.+に発送/);
    assert.match(confirmation?.html ?? '', /<html lang="ja">/);
  });

  test('a shop locale without messages (es-ES): English throughout, its dates and amounts too', async () => {
    const { sku } = await launchWithBatch(spanish, {
      paymentTerms: { kind: 'deposit', percent: 20, balanceDue: { kind: 'on_release' } },
    });
    await place(spanish, sku, 'ana@example.es');
    await spanish.deliver();
    const [confirmation] = spanish.inbox.to('ana@example.es');
    const text = confirmation?.text ?? '';
    assert.match(confirmation?.html ?? '', /<html lang="en">/);
    assert.match(text, /€129\.00/);
    assert.match(
      text,
      /(January|February|March|April|May|June|July|August|September|October|November|December)/,
    );
    assert.doesNotMatch(
      text,
      /enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|\d,\d\d\s€/,
    );
  });

  test('a shop’s own template: refused with the line when broken, previewed, then sent', async () => {
    const url = '/v1/email-templates/confirmation/de';
    const current = await call(german.app, 'GET', url, german.admin);
    assert.equal(current.status, 200);
    assert.equal(current.body.custom, false);
    assert.match(current.body.text, /{{ money.total }}/);

    const broken = await call(german.app, 'PUT', url, german.admin, {
      subject: 'Danke!',
      html: '<p>Hallo</p>\n<p>{{ product.name | upcase }</p>',
      text: 'Hallo',
    });
    assert.equal(broken.status, 422, JSON.stringify(broken.body));
    assert.equal(broken.body.error.code, 'invalid_template');
    assert.equal(broken.body.error.details.part, 'html');
    assert.equal(broken.body.error.details.line, 2);
    assert.match(broken.body.error.message, /line 2/);

    const mine = {
      subject: 'Danke, {{ product.name }} ist reserviert!',
      html: '<p>Platz {{ preorder.queuePosition }} für {{ customer.email }}: {{ promise.message }}</p><p><a href="{{ links.portal }}">Ansehen</a></p>',
      text: 'Platz {{ preorder.queuePosition }}: {{ promise.message }}\n{{ links.portal }}',
    };
    const preview = await call(german.app, 'POST', `${url}/preview`, german.admin, { template: mine });
    assert.equal(preview.status, 200, JSON.stringify(preview.body));
    assert.equal(preview.body.subject, 'Danke, Aurora desk lamp ist reserviert!');
    assert.match(preview.body.text, /^Platz 42: Versand/);
    const saved = await call(german.app, 'PUT', url, german.admin, mine);
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assert.equal((await call(german.app, 'GET', url, german.admin)).body.custom, true);
    const listed = await call(german.app, 'GET', '/v1/email-templates', german.admin);
    assert.ok(
      listed.body.data.some(
        (t: { kind: string; language: string; custom: boolean }) =>
          t.kind === 'confirmation' && t.language === 'de' && t.custom,
      ),
    );

    const { sku } = await launchWithBatch(german);
    const placed = await place(german, sku, 'mia@example.de');
    const real = await call(german.app, 'POST', `${url}/preview`, german.admin, { preorderId: placed.id });
    assert.equal(real.body.subject, `Danke, Variant ${sku} ist reserviert!`);
    await german.deliver();
    const [sent] = german.inbox.to('mia@example.de');
    assert.equal(sent?.subject, `Danke, Variant ${sku} ist reserviert!`);
    assert.match(sent?.text ?? '', /^Platz 1: Versand/);
    assert.match(sent?.html ?? '', /für mia@example\.de:/);

    assert.equal((await call(german.app, 'DELETE', url, german.admin)).status, 200);
    assert.equal((await call(german.app, 'GET', url, german.admin)).body.custom, false);
  });

  test('split: units in two batches are promised both dates, in the email and the portal', async () => {
    const { sku, campaignId } = await launchWithBatch(
      german,
      { promiseSettings: { policy: 'split' } },
      { quantity: 2, readyInDays: 10 },
    );
    const later = await call(german.app, 'POST', `/v1/campaigns/${campaignId}/batches`, german.admin, {
      sku,
      quantity: 10,
      readyDate: '2027-02-03',
      bufferDays: 6,
    });
    assert.equal(later.status, 201, JSON.stringify(later.body));
    const placed = await place(german, sku, 'lena@example.de', undefined, 3);
    await german.deliver();
    const [confirmation] = german.inbox.to('lena@example.de');
    const parts = /Versand: 2 Stück [^,\n]+, 1 Stück Anfang Februar 2027/;
    assert.match(confirmation?.text ?? '', parts);
    const portal = await german.app.inject({ url: portalPage(portalTokenIn(confirmation?.text ?? '')) });
    assert.equal(portal.statusCode, 200);
    assert.match(portal.body, parts);
    const api = await call(german.app, 'GET', `/v1/preorders/${placed.id}`, german.admin);
    assert.match(api.body.promise.message, parts, 'the same words as the API');
  });
});
