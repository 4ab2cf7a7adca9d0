#pragma once

#include <torch/torch.h>

#include <QJsonObject>
#include <QString>
#include <QVector>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "data/Calibration.h"
#include "data/Evaluate.h"
#include "data/ImageFolder.h"
#include "io/ScaleExport.h"
#include "landscape/LandscapeSweep.h"
#include "landscape/LiveLandscape.h"
#include "model/VitModel.h"
#include "quant/QuantizedVit.h"
#include "search/SearchStrategy.h"
#include "types/Sensitivity.h"
#include "types/Settings.h"
#include "types/Summaries.h"
#include "types/TryScales.h"

namespace evolq {

// Progress of a long step: `done` of `total` units (images, evaluations or points) and the
// seconds left (-1 when unknown).
using ProgressFn = std::function<void(int done, int total, double etaSeconds)>;

class ScaleProbe;

// What a finished search measured on the whole validation folder (display only).
struct FinalValidation {
    QString folder;
    int images = 0;
    double fp32Top1 = std::numeric_limits<double>::quiet_NaN();
    double baselineTop1 = std::numeric_limits<double>::quiet_NaN();
    double searchedTop1 = std::numeric_limits<double>::quiet_NaN();
    QJsonObject toJson() const;
};

// The one pipeline behind the workbench and the command line: model -> calibration set ->
// baseline -> search -> final evaluation -> provenance -> scale file, with the landscape, imports,
// comparisons and exports beside it. A plain object (no QObject, no threads): the SearchWorker
// drives it on its thread and turns its callbacks into signals; each `evolq` command drives it
// directly. Errors throw evolq::Error naming the file concerned; a failed step leaves the session
// as it was before the step.
//
// Long steps poll control() between units of work (images, fitness evaluations, points), so that
// another thread can pause or cancel them at once.
class Session {
public:
    Session();
    ~Session();

    SearchControl& control() { return m_control; }
    bool cancelRequested() const { return m_control.cancel.load(); }

    // --- Model ------------------------------------------------------------------------------
    // Loads a timm/Hugging Face folder; everything computed for the previous model is dropped.
    ModelSummary loadModel(const QString& folder);
    bool hasModel() const { return static_cast<bool>(m_model); }
    VitModel& model();
    const ModelInfo& modelInfo() const;

    // --- Data -------------------------------------------------------------------------------
    // Scans a folder (not decoded yet). An empty path clears it.
    DataSummary setCalibrationFolder(const QString& folder);
    // Scans a folder; the summary's note says why accuracy cannot be measured on it, if so.
    DataSummary setValidationFolder(const QString& folder);
    QString calibrationFolder() const { return m_calibDir; }
    QString validationFolder() const { return m_valDir; }
    // Whether the validation folder's classes fit the model (accuracy can be measured).
    bool validationUsable() const;
    // Decodes a seeded subset of `count` calibration images, unless the same one is in memory.
    const CalibrationSet& calibration(int count, unsigned seed);
    const CalibrationSet* calibrationSet() const { return m_calib ? &*m_calib : nullptr; }
    // Decodes a seeded validation subset of n images unless the same one is in memory; false when
    // there is no usable validation folder or n == 0. Display only: never used to choose.
    bool validationSubset(int n, unsigned seed);
    int validationSubsetSize() const;  // decoded images, 0 = none
    // The subset to measure when nothing asks for another: the last one decoded, else n / seed.
    void setDefaultValidationSubset(int n) { m_defaultValSubset = std::max(0, n); }
    int defaultValidationSubset() const { return m_defaultValSubset; }

    // --- Quantization -----------------------------------------------------------------------
    // The FQ-ViT baseline calibrated on the configured calibration subset; measures FP32 and
    // baseline top-1 on the validation subset when there is one.
    QuantizeSummary quantize(const QuantConfig& config, const ProgressFn& progress = {});
    bool quantized() const { return m_q && m_q->calibrated(); }
    QuantizedVit& quantizedModel();
    const QuantConfig& quantConfig() const;

    // --- Search -----------------------------------------------------------------------------
    // Prepares a run of the strategy settings name (Evol-Q by default) on the quantized model (from
    // the baseline unless settings say otherwise); the callbacks receive its events, and `live`
    // those of the live landscape when settings.live asks for one. Run the search with runSearch().
    void startSearch(const SearchSettings& settings, SearchCallbacks callbacks,
                     LiveLandscapeCallbacks live = {});
    // Runs until the search finishes, pauses or is cancelled (control()). Paused: call again to
    // continue exactly. Cancelled: the scales are those from before the run and nothing is
    // written. Finished: the result is kept; call finishSearch().
    SearchStatus runSearch();
    bool searchActive() const { return static_cast<bool>(m_search); }
    const SearchStrategy* search() const { return m_search.get(); }
    const LiveLandscape* liveLandscape() const { return m_live.get(); }
    const SearchSettings& searchSettings() const { return m_searchSettings; }
    // After a finished run: top-1 of FP32, baseline and result over the whole validation folder
    // (when settings ask for it and the folder is usable), then the scale file when an output
    // path is set. Returns the run's end event with the final top-1.
    RunEndEvent finishSearch(const ProgressFn& progress = {});
    const std::optional<FinalValidation>& finalValidation() const { return m_final; }
    // Why the final validation was skipped (e.g. cancelled), empty when it ran or was not asked.
    const QString& finalValidationNote() const { return m_finalNote; }
    bool hasSearchResult() const { return m_result.has_value(); }

    // --- Landscape --------------------------------------------------------------------------
    // The loss over a line or grid of scale perturbations around the current scales (or from the
    // baseline, for toward:result). The scales are restored afterwards.
    LandscapeResult landscape(const LandscapeSettings& settings,
                              const std::function<void(const LandscapeStart&)>& onStart,
                              const std::function<void(const LandscapePoint&)>& onPoint);

    // --- Inspection -------------------------------------------------------------------------
    // Every quantizer alone (everything else in float) on the first `images` calibration images:
    // its loss increase over the float model and its SQNR. The scales are not changed.
    SensitivityResult sensitivity(const SensitivitySettings& settings,
                                  const ProgressFn& progress = {});

    // "Try these scales": the model takes the scales at (a, b) of a landscape (run with these
    // settings, around the scales from before the first try) and is measured there: the
    // landscape's quantities on its calibration images, top-1 on the validation subset and the
    // predictions of its first `samples` images. Further tries move along the same landscape;
    // undoTry() goes back to the scales from before the first try, bit for bit.
    // With `liveVisit` >= 0 the point is on that visit's live slice of the last finished search
    // (its centre, axes and images; `settings` is not used).
    TryResult tryScales(const LandscapeSettings& settings, double a, double b, int samples = 12,
                        int liveVisit = -1);
    // The live slices that can be tried, by visit (the last finished search's, until the model
    // changes).
    const std::map<int, SliceAxes>& liveSlices() const { return m_liveSlices; }
    bool hasTry() const { return m_beforeTry.has_value(); }
    void undoTry();

    // --- Files ------------------------------------------------------------------------------
    // Replaces the current scales with a native scale file's.
    QuantizeSummary importScales(const QString& path);
    // Sets a scale file beside the current scales: relative changes, top-1 of both on the subset.
    ScaleComparison compareScales(const QString& path);
    // Writes the current scales (while a search is paused: those of the last whole block visit).
    void exportScales(const QString& path, ExportFormat format,
                      const ScaleSelection& selection = {});

    // Top-1 / top-5 of the current model (quantized when quantized) over a folder.
    EvalResult evaluate(const ImageFolder& folder, const ProgressFn& progress = {});

    // What every output file records: program and version, runtime, time, model identity, bit
    // configuration and seed, where the scales came from, calibration, search (without its
    // histories unless asked) and final validation.
    QJsonObject provenance(bool withHistories = false) const;
    // Per block, current / baseline - 1 of every genome scale (empty before quantizing).
    QVector<QVector<double>> scaleChanges() const;
    QVector<QuantizerSummary> quantizerSummaries() const;

private:
    void requireNoSearch(const QString& what) const;
    void requireQuantized(const QString& what) const;
    void setBaseline();
    void measureSubsetReferences();
    bool currentValidationSubset();
    QuantizeSummary summaryOfCurrent(const QString& label, double seconds);
    torch::Tensor scalesOf(const QuantizedVit& q, const LandscapeSettings& s) const;
    // The target of a toward direction; for toward:result the model is left at the baseline,
    // the landscape's centre.
    torch::Tensor towardOf(const LandscapeSettings& s);
    void dropTry();

    SearchControl m_control;
    std::shared_ptr<VitModel> m_model;

    QString m_calibDir, m_valDir;
    std::optional<ImageFolder> m_calibFolder, m_valFolder;
    std::optional<CalibrationSet> m_calib;
    int m_defaultValSubset = 1000;
    struct ValidationSubset {
        int requested = -1;
        unsigned seed = 0;
        torch::Tensor images, labels;
        QStringList files;  // per row
        double fp32Top1 = std::numeric_limits<double>::quiet_NaN();
        double baselineTop1 = std::numeric_limits<double>::quiet_NaN();
        bool defined() const { return images.defined() && images.size(0) > 0; }
    } m_val;

    std::unique_ptr<QuantizedVit> m_q;
    std::optional<QuantizedVit::State> m_baseline, m_result;
    std::vector<torch::Tensor> m_baselineGenomes;
    QString m_source;  // "baseline" or the scale file the scales came from
    QJsonObject m_calibProvenance, m_searchProvenance, m_validationProvenance;
    std::optional<FinalValidation> m_final;
    QString m_finalNote;
    // Full-folder references, measured once per validation folder and baseline.
    double m_folderFp32Top1 = std::numeric_limits<double>::quiet_NaN();
    double m_folderBaselineTop1 = std::numeric_limits<double>::quiet_NaN();

    std::unique_ptr<SearchStrategy> m_search;
    std::unique_ptr<LiveLandscape> m_live;  // beside m_search, when the settings ask for it
    SearchSettings m_searchSettings;
    std::optional<QuantizedVit::State> m_runStart, m_lastVisit;
    std::optional<RunEndEvent> m_endEvent;
    SearchCallbacks m_callbacks;

    // Try these scales: the scales from before the first try, and the landscape it moves on.
    std::optional<QuantizedVit::State> m_beforeTry;
    std::map<int, SliceAxes> m_liveSlices;  // the last finished search's live slices, by visit
    SearchSettings m_liveSettings;          // that search's settings
    QString m_sourceBeforeTry;
    std::unique_ptr<ScaleProbe> m_probe;
    QJsonObject m_probeKey;
};

}  // namespace evolq
