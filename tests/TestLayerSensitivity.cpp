#include <QtTest>

#include "TestSupport.h"
#include "inspect/LayerSensitivity.h"
#include "model/Runtime.h"
#include "quant/Baseline.h"

using namespace evolq;

class TestLayerSensitivity : public QObject {
    Q_OBJECT
    std::shared_ptr<VitModel> m_model;
    torch::Tensor m_images;

    std::unique_ptr<QuantizedVit> quantized() {
        QuantConfig c = test::smallConfig();
        c.weightBits = 4;  // the figures below are for 4-bit weights
        auto q = std::make_unique<QuantizedVit>(m_model, c);
        q->calibrate(m_images);
        return q;
    }

    FitnessSettings fitness() const {
        FitnessSettings f;
        f.loss = LossKind::Mse;
        f.batch = 8;
        return f;
    }

private Q_SLOTS:
    void initTestCase() {
        initRuntime(qEnvironmentVariableIntValue("EVOLQ_THREADS"));
        QTemporaryDir dir;
        m_model = test::makeModel(test::smallInfo(2, 48, 4, 5), dir.filePath("m"));
        torch::manual_seed(3);
        m_images = torch::randn({24, 3, 32, 32});
    }

    void oneRowPerQuantizer() {
        auto q = quantized();
        LayerSensitivity ls(*q, m_images, fitness());
        const SensitivityResult r = ls.run();
        QCOMPARE(r.rows.size(), q->quantizerCount());
        QCOMPARE(r.images, 24);
        for (int i = 0; i < q->quantizerCount(); ++i) {
            QCOMPARE(r.rows[i].name, q->quantizer(i).name());
            QCOMPARE(r.rows[i].weight, q->quantizer(i).isWeight());
        }
        // Blocks follow the model: the patch embedding and input before block 0, the head after.
        QCOMPARE(r.rows[0].block, -1);
        QCOMPARE(r.rows[q->findQuantizer("blocks.1.attn.qkv.weight")].block, 1);
        QCOMPARE(r.rows[q->findQuantizer("blocks.0.norm1.out")].block, 0);
        QCOMPARE(r.rows[q->findQuantizer("head.weight")].block, 2);
        // 4-bit weights lose something: finite SQNR, a loss increase that is not negative.
        const SensitivityRow& fc1 = r.rows[q->findQuantizer("blocks.0.mlp.fc1.weight")];
        QVERIFY(std::isfinite(fc1.sqnrDb));
        QVERIFY(fc1.sqnrDb > 5 && fc1.sqnrDb < 40);
        QVERIFY(fc1.lossIncrease > 0);
        // Afterwards every quantizer quantizes again: the same logits as a fresh copy.
        QCOMPARE(q->solo(), -1);
        auto fresh = quantized();
        torch::NoGradGuard ng;
        QVERIFY(torch::equal(q->forward(m_images), fresh->forward(m_images)));
    }

    void aLayerMadeSensitiveComesFirst() {
        auto q = quantized();
        LayerSensitivity before(*q, m_images, fitness());
        const SensitivityResult r0 = before.run();
        // Coarse scales on one weight quantizer: 20 times its calibrated step.
        const int target = q->findQuantizer("blocks.0.attn.proj.weight");
        q->setQuantizerParams(target, q->quantizer(target).scale() * 20,
                              q->quantizer(target).zeroPoint());
        LayerSensitivity after(*q, m_images, fitness());
        const SensitivityResult r1 = after.run();
        QVERIFY(r1.rows[target].lossIncrease > 5 * r0.rows[target].lossIncrease);
        QVERIFY(r1.rows[target].sqnrDb < r0.rows[target].sqnrDb - 10);
        for (int i = 0; i < r1.rows.size(); ++i) {
            if (i == target || std::isnan(r1.rows[i].lossIncrease)) continue;
            QVERIFY2(r1.rows[i].lossIncrease < r1.rows[target].lossIncrease,
                     qPrintable(r1.rows[i].name));
            // The other quantizers are measured alone: they do not see the changed one.
            QCOMPARE(r1.rows[i].lossIncrease, r0.rows[i].lossIncrease);
        }
    }

    void stopsWhenAsked() {
        auto q = quantized();
        LayerSensitivity ls(*q, m_images, fitness());
        const SensitivityResult r = ls.run([](int done, int) { return done < 3; });
        QVERIFY(r.cancelled);
        QCOMPARE(r.rows.size(), 3);
        QCOMPARE(q->solo(), -1);
    }
};

QTEST_GUILESS_MAIN(TestLayerSensitivity)
#include "TestLayerSensitivity.moc"
